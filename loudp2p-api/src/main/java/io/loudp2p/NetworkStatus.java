package io.loudp2p;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a peer knows of its own place in the network: the address others see it at, whether they
 * can call it, and what kind of NAT, if any, maps its UDP sockets. Peers behind NATs learn this
 * from others (PROTOCOL.md sections 3.1, 3.4 and 8); it decides whether a peer can serve others
 * directly and how two peers behind NATs can reach each other.
 *
 * @param publicAddress the address at least two other peers agree this peer's calls come from;
 *     empty until they do
 * @param dialable whether another peer could call this one lately
 * @param udpMapping how this peer's UDP sockets are mapped to public addresses
 * @param udpPublic the public address and port the last observation's socket had at its first
 *     observer; empty when no observation has succeeded
 * @param observedAt when {@code udpMapping} was last learnt; empty before the first observation
 */
public record NetworkStatus(Optional<InetAddress> publicAddress, Dialable dialable,
    Mapping udpMapping, Optional<InetSocketAddress> udpPublic, Optional<Instant> observedAt) {

  /** Checks the parts. */
  public NetworkStatus {
    Objects.requireNonNull(publicAddress, "publicAddress");
    Objects.requireNonNull(dialable, "dialable");
    Objects.requireNonNull(udpMapping, "udpMapping");
    Objects.requireNonNull(udpPublic, "udpPublic");
    Objects.requireNonNull(observedAt, "observedAt");
  }

  /** A status with nothing learnt yet. */
  public static NetworkStatus unknown(@Nullable InetAddress publicAddress, Dialable dialable) {
    return new NetworkStatus(Optional.ofNullable(publicAddress), dialable, Mapping.UNKNOWN,
        Optional.empty(), Optional.empty());
  }

  /** Whether other peers can open a connection to this one. */
  public enum Dialable {
    /** Not known yet: no peer called, and no check was answered. */
    UNKNOWN,
    /** Another peer called this one in the last 10 minutes, or dialled it back on request. */
    YES,
    /** A peer asked to dial this one back could not reach it (a NAT or firewall in between). */
    NO
  }

  /**
   * How a NAT maps this peer's UDP sockets (RFC 4787's mapping behaviour), as two observers on
   * different addresses saw one socket.
   */
  public enum Mapping {
    /** Not observed yet, or fewer than two observers answered (UDP may be blocked). */
    UNKNOWN,
    /** No NAT: the observers saw the socket's own address and port. */
    NONE,
    /**
     * The same public address and port whoever the socket sends to: a peer that learnt it can be
     * reached by UDP hole punching.
     */
    ENDPOINT_INDEPENDENT,
    /**
     * A different public port (or address) for each destination, a "symmetric" NAT: what one peer
     * saw tells nothing of what another will see.
     */
    ENDPOINT_DEPENDENT
  }
}
