package io.loudp2p.transport.grpc.internal;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.PeerCertificates;
import io.loudp2p.core.identity.PeerCertificates.RefusedCertificate;
import io.loudp2p.spi.PeerCredentials;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jspecify.annotations.Nullable;

/**
 * The TLS contexts of a peer's gRPC connections: TLS 1.3 only, mutual authentication by the
 * certificates of {@link PeerCertificates} (checked by {@link PeerTrustManager}), ALPN {@code h2}
 * as gRPC sets it, on BoringSSL where it loads (see {@link #PROVIDER}). Each handshake presents the credentials' current
 * certificate, so that a rotated one takes over for new connections while old ones keep theirs.
 * Stateless.
 */
public final class PeerTls {
  /** The only TLS version offered or accepted. */
  public static final String PROTOCOL = "TLSv1.3";
  /**
   * The TLS stack: BoringSSL, as grpc-java's shaded netty carries it for the common platforms
   * (a handshake costs a fraction of the JDK's, and the stack loads in milliseconds rather than
   * the better part of a second); the JDK's where it cannot load.
   */
  static final SslProvider PROVIDER = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;

  private PeerTls() {}

  /** A server's context: presents {@code own}, requires a client certificate bound to a peer. */
  public static SslContext server(PeerCredentials own, Clock clock,
      Consumer<RefusedCertificate> refused) throws SSLException {
    SslContextBuilder b = SslContextBuilder.forServer(new CurrentKey(own));
    return GrpcSslContexts.configure(b, PROVIDER)
        .protocols(List.of(PROTOCOL))
        .clientAuth(ClientAuth.REQUIRE)
        .trustManager(new PeerTrustManager(null, clock, refused))
        .build();
  }

  /**
   * A client's context: presents {@code own}, and accepts the server only when its certificate is
   * bound to {@code expected} (any valid peer when null, then only that one on the connection's
   * later handshakes).
   */
  public static SslContext client(PeerCredentials own, @Nullable PeerId expected, Clock clock,
      Consumer<RefusedCertificate> refused) throws SSLException {
    return client(own, expected, clock, refused, id -> { });
  }

  /** As above; {@code pinned} is told which peer a context that expected none accepted first. */
  public static SslContext client(PeerCredentials own, @Nullable PeerId expected, Clock clock,
      Consumer<RefusedCertificate> refused, Consumer<PeerId> pinned) throws SSLException {
    SslContextBuilder b = SslContextBuilder.forClient().keyManager(new CurrentKey(own));
    return GrpcSslContexts.configure(b, PROVIDER)
        .protocols(List.of(PROTOCOL))
        .trustManager(PeerTrustManager.forConnection(expected, clock, refused, pinned))
        .build();
  }

  /**
   * Presents the credentials' certificate of the moment: each handshake's alias names the pair
   * chosen for it, so that its certificate and key stay a pair across a rotation between the two
   * lookups. Only EC keys (what {@link PeerCertificates} makes).
   */
  private static final class CurrentKey extends X509ExtendedKeyManager {
    private static final String KEY_TYPE = "EC";
    private final PeerCredentials credentials;
    private final java.util.Map<String, PeerCredentials.CertifiedKey> recent =
        new java.util.concurrent.ConcurrentHashMap<>();

    CurrentKey(PeerCredentials credentials) {
      this.credentials = credentials;
    }

    private String choose() {
      PeerCredentials.CertifiedKey k = credentials.current();
      String alias = k.certificate().getSerialNumber().toString(16);
      if (recent.putIfAbsent(alias, k) == null && recent.size() > 4) {
        recent.keySet().removeIf(a -> !a.equals(alias)); // older pairs: no handshake needs them now
      }
      return alias;
    }

    private PeerCredentials.CertifiedKey pair(String alias) {
      PeerCredentials.CertifiedKey k = alias == null ? null : recent.get(alias);
      return k != null ? k : credentials.current();
    }

    private static boolean ec(String... keyTypes) {
      for (String t : keyTypes) {
        if (KEY_TYPE.equals(t)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return ec(keyType) ? new String[] {choose()} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return ec(keyType) ? choose() : null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers,
        SSLEngine engine) {
      return ec(keyType) ? choose() : null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return ec(keyType) ? new String[] {choose()} : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return ec(keyType) ? choose() : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return ec(keyType) ? choose() : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return new X509Certificate[] {pair(alias).certificate()};
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return pair(alias).key();
    }
  }
}
