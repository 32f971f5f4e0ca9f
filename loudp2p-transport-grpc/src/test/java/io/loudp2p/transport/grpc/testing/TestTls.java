package io.loudp2p.transport.grpc.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.RotatingCredentials;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.PeerTls;
import java.net.InetSocketAddress;
import java.time.Clock;
import javax.net.ssl.SSLException;

/**
 * What a test needs to speak to a peer the way peers do since they speak TLS 1.3 bound to peer
 * IDs (PROTOCOL.md section 9): transport options and raw channels that present a certificate of
 * their own identity and accept any valid peer at the other end.
 */
public final class TestTls {
  private TestTls() {}

  /** Transport options with the TLS credentials of a fresh identity. */
  public static TransportOptions options() {
    return options(Identity.generate());
  }

  /** Transport options with the TLS credentials of {@code identity}. */
  public static TransportOptions options(Identity identity) {
    return TransportOptions.builder().credentials(new RotatingCredentials(identity)).build();
  }

  /**
   * A raw TLS channel to the peer at {@code to} (any valid peer), as a fresh identity, that reads
   * answers of up to {@code maxInboundBytes}; gRPC's defaults otherwise.
   */
  public static ManagedChannel channel(InetSocketAddress to, int maxInboundBytes) {
    return builder(to).maxInboundMessageSize(maxInboundBytes).build();
  }

  /** A channel builder for {@code to} with a fresh identity's TLS context set. */
  public static NettyChannelBuilder builder(InetSocketAddress to) {
    try {
      return NettyChannelBuilder.forAddress(to).sslContext(PeerTls.client(
          new RotatingCredentials(Identity.generate()), null, Clock.systemUTC(), refused -> {}));
    } catch (SSLException e) {
      throw new IllegalStateException("no TLS context: " + e.getMessage(), e);
    }
  }
}
