package io.loudp2p.transport.grpc.internal;

import io.loudp2p.PeerId;
import io.loudp2p.core.identity.PeerCertificates;
import io.loudp2p.core.identity.PeerCertificates.RefusedCertificate;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Trusts the certificate of a TLS peer by the peer ID it is bound to ({@link PeerCertificates}),
 * never by a name or an authority: a server accepts any client whose certificate verifies, a
 * client only the server it dialled when it knows that server's ID. Host names are not checked
 * (an extended trust manager does its own endpoint identification, and this one has none to do).
 * Each refusal is reported to {@code refused} before the handshake fails with it. A client's
 * manager that expects no one pins the first peer it accepts: the connection's later handshakes
 * (gRPC reconnects a channel by itself) accept only that peer, so that a channel learned to lead
 * to a peer keeps leading to it.
 *
 * <p>Thread-safe.
 */
public final class PeerTrustManager extends X509ExtendedTrustManager {
  private final AtomicReference<@Nullable PeerId> expected;
  private final boolean pinFirst;
  private final Clock clock;
  private final Consumer<RefusedCertificate> refused;
  private final Consumer<PeerId> pinned;

  /**
   * @param expected the peer a client dials, or null to accept any valid peer (a server, or a
   *     client on first contact with a bare address)
   * @param clock the time certificates' validity is checked at
   * @param refused told of each certificate refused
   */
  public PeerTrustManager(@Nullable PeerId expected, Clock clock,
      Consumer<RefusedCertificate> refused) {
    this(expected, false, clock, refused, id -> { });
  }

  private PeerTrustManager(@Nullable PeerId expected, boolean pinFirst, Clock clock,
      Consumer<RefusedCertificate> refused, Consumer<PeerId> pinned) {
    this.expected = new AtomicReference<>(expected);
    this.pinFirst = pinFirst;
    this.clock = clock;
    this.refused = refused;
    this.pinned = pinned;
  }

  /**
   * A client's manager for one connection: accepts only {@code expected}, or when null the first
   * valid peer, then only that one; {@code pinned} is told which peer that was.
   */
  public static PeerTrustManager forConnection(@Nullable PeerId expected, Clock clock,
      Consumer<RefusedCertificate> refused, Consumer<PeerId> pinned) {
    return new PeerTrustManager(expected, expected == null, clock, refused, pinned);
  }

  private void check(X509Certificate[] chain) throws RefusedCertificate {
    try {
      PeerId want = expected.get();
      if (want != null) {
        PeerCertificates.verify(chain, clock.instant(), want);
        return;
      }
      PeerId got = PeerCertificates.verify(chain, clock.instant());
      if (pinFirst) {
        if (!expected.compareAndSet(null, got)) {
          PeerCertificates.verify(chain, clock.instant(), expected.get()); // pinned meanwhile
          return;
        }
        pinned.accept(got);
      }
    } catch (RefusedCertificate e) {
      refused.accept(e);
      throw e;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws RefusedCertificate {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws RefusedCertificate {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws RefusedCertificate {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws RefusedCertificate {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws RefusedCertificate {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws RefusedCertificate {
    check(chain);
  }

  /** None: no authority issues a peer's certificate. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
