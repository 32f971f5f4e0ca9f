package io.loudp2p.transport.grpc.internal;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.PeerCertificates;
import io.loudp2p.core.identity.PeerCertificates.RefusedCertificate;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * The TLS contexts of a peer's gRPC connections: TLS 1.3 only, mutual authentication by the
 * certificates of {@link PeerCertificates} (checked by {@link PeerTrustManager}), ALPN {@code h2}
 * as gRPC sets it, on the JDK's TLS stack. Stateless.
 */
public final class PeerTls {
  /** The only TLS version offered or accepted. */
  public static final String PROTOCOL = "TLSv1.3";

  private PeerTls() {}

  /** A server's context: presents {@code own}, requires a client certificate bound to a peer. */
  public static SslContext server(PeerCertificates.Issued own, Clock clock,
      Consumer<RefusedCertificate> refused) throws SSLException {
    SslContextBuilder b = SslContextBuilder.forServer(own.key(), own.certificate());
    return GrpcSslContexts.configure(b, SslProvider.JDK)
        .protocols(List.of(PROTOCOL))
        .clientAuth(ClientAuth.REQUIRE)
        .trustManager(new PeerTrustManager(null, clock, refused))
        .build();
  }

  /**
   * A client's context: presents {@code own}, and accepts the server only when its certificate is
   * bound to {@code expected} (any valid peer when null).
   */
  public static SslContext client(PeerCertificates.Issued own, @Nullable PeerId expected,
      Clock clock, Consumer<RefusedCertificate> refused) throws SSLException {
    SslContextBuilder b = SslContextBuilder.forClient().keyManager(own.key(), own.certificate());
    return GrpcSslContexts.configure(b, SslProvider.JDK)
        .protocols(List.of(PROTOCOL))
        .trustManager(new PeerTrustManager(expected, clock, refused))
        .build();
  }
}
