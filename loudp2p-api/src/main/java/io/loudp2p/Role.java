package io.loudp2p;

/** How a peer cooperates with the network. */
public enum Role {
  /** Answers and routes queries, serves streams, tracks announcements. */
  FULL,
  /** Keeps a few connections to full peers, hands its queries to them, shares nothing by default. */
  LIGHT
}
