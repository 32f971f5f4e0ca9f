package io.loudp2p.transport.grpc.internal;

import io.loudp2p.spi.PeerCredentials;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A peer's control connections, lent to its data transport for reaching relays (PROTOCOL.md
 * section 10): a chunk stream through a relay then rides the connection to the relay that the
 * peer already keeps (its bootstrap, a link, the one its control calls took) instead of opening
 * one more, which on a slow link costs a TCP and a TLS handshake before the first chunk. A
 * peer's transports are told apart by their credentials (one instance per peer).
 *
 * <p>Thread-safe.
 */
final class RelayConnections {
  private static final Map<PeerCredentials, Channels> LENT = new IdentityHashMap<>();

  private RelayConnections() {}

  /** The control transport of the peer with {@code credentials} lends its {@code channels}. */
  static synchronized void lend(PeerCredentials credentials, Channels channels) {
    LENT.put(credentials, channels);
  }

  /** Takes back what {@link #lend} lent, unless another transport lent since. */
  static synchronized void withdraw(PeerCredentials credentials, Channels channels) {
    LENT.remove(credentials, channels);
  }

  /** The channels lent by the control transport of the peer with {@code credentials}, if any. */
  static synchronized @Nullable Channels of(@Nullable PeerCredentials credentials) {
    return credentials == null ? null : LENT.get(credentials);
  }
}
