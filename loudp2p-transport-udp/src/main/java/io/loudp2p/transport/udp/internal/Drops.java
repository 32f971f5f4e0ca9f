package io.loudp2p.transport.udp.internal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts the datagrams a transport dropped without answering, by reason. Thread-safe: written by
 * the I/O thread, read by anyone.
 */
public final class Drops {
  /** Why a datagram was dropped. */
  public enum Reason {
    /** Shorter than a header, a frame and a tag, or longer than the largest datagram. */
    WRONG_LENGTH,
    /** The version/direction byte is not one this side accepts. */
    BAD_HEADER,
    /** The session ID is not the socket's session (or the socket serves no session). */
    UNKNOWN_SESSION,
    /**
     * From an address other than the one the session is pinned to (seldom seen: once pinned, a
     * source's socket is connected to that address, and the kernel drops the others).
     */
    WRONG_ADDRESS,
    /** A packet number already seen, or too far below the largest seen. */
    REPLAYED,
    /** The AEAD did not authenticate it. */
    FAILED_TO_OPEN,
    /** Authenticated, but a frame inside is malformed. */
    MALFORMED_FRAME,
    /**
     * Authenticated, from an address the session has not validated (a source before it pinned
     * its receiver): a frame other than HELLO, or an ECHO of a token not that address's. A copy
     * of the receiver's datagrams sent from elsewhere ends here.
     */
    UNVALIDATED_ADDRESS,
    /**
     * An address observation request beyond what the server's socket answers per second (see
     * PROTOCOL.md section 8, "Address observation").
     */
    OBSERVE_LIMITED
  }

  private final AtomicLongArray counts = new AtomicLongArray(Reason.values().length);

  void count(Reason reason) {
    counts.incrementAndGet(reason.ordinal());
  }


  /** How many datagrams were dropped for {@code reason}. */
  public long get(Reason reason) {
    return counts.get(reason.ordinal());
  }

  /** Every reason's count. */
  public long total() {
    long t = 0;
    for (int i = 0; i < counts.length(); i++) {
      t += counts.get(i);
    }
    return t;
  }

  /** A snapshot by reason. */
  public Map<Reason, Long> snapshot() {
    Map<Reason, Long> m = new EnumMap<>(Reason.class);
    for (Reason r : Reason.values()) {
      m.put(r, counts.get(r.ordinal()));
    }
    return m;
  }

  @Override
  public String toString() {
    return "Drops" + snapshot();
  }
}
