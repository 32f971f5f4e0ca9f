package io.loudp2p.transport.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.PeerCertificates;
import io.loudp2p.core.identity.PeerCertificates.Refusal;
import io.loudp2p.core.identity.PeerCertificates.RefusedCertificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Whom a connection's trust manager accepts, first and then. */
class PeerTrustManagerTest {
  private final Clock clock = Clock.systemUTC();
  private final List<RefusedCertificate> refused = new CopyOnWriteArrayList<>();
  private final List<PeerId> pinned = new CopyOnWriteArrayList<>();

  private static X509Certificate[] certificateOf(Identity id) {
    Instant now = Instant.now();
    return new X509Certificate[] {PeerCertificates.issue(id, now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofHours(1))).certificate()};
  }

  @Test
  void aConnectionThatExpectedNoOneAcceptsTheFirstValidPeerAndThenOnlyIt() throws Exception {
    Identity first = Identity.generate();
    Identity other = Identity.generate();
    PeerTrustManager m = PeerTrustManager.forConnection(null, clock, refused::add, pinned::add);

    m.checkServerTrusted(certificateOf(first), "EC");
    assertThat(pinned).containsExactly(first.peerId());
    m.checkServerTrusted(certificateOf(first), "EC"); // a reconnect to the same peer, a new key
    assertThatThrownBy(() -> m.checkServerTrusted(certificateOf(other), "EC"))
        .isInstanceOfSatisfying(RefusedCertificate.class,
            e -> assertThat(e.reason()).isEqualTo(Refusal.WRONG_PEER));
    assertThat(pinned).containsExactly(first.peerId());
    assertThat(refused).hasSize(1);
  }

  @Test
  void aServerAcceptsEveryValidClientPinningNone() throws Exception {
    PeerTrustManager m = new PeerTrustManager(null, clock, refused::add);
    m.checkClientTrusted(certificateOf(Identity.generate()), "EC");
    m.checkClientTrusted(certificateOf(Identity.generate()), "EC");
    assertThat(refused).isEmpty();
  }

  @Test
  void aConnectionThatExpectedAPeerAcceptsOnlyIt() throws Exception {
    Identity meant = Identity.generate();
    PeerTrustManager m =
        PeerTrustManager.forConnection(meant.peerId(), clock, refused::add, pinned::add);
    m.checkServerTrusted(certificateOf(meant), "EC");
    assertThatThrownBy(() -> m.checkServerTrusted(certificateOf(Identity.generate()), "EC"))
        .isInstanceOf(RefusedCertificate.class);
    assertThat(pinned).isEmpty();
  }
}
