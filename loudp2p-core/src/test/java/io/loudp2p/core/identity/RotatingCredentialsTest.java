package io.loudp2p.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.spi.PeerCredentials.CertifiedKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A peer's TLS key is made on first use and replaced once the rotation period has passed. */
class RotatingCredentialsTest {
  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-06T12:00:00Z"));
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  };

  @Test
  void aNewTlsKeyTakesOverOncePerRotationAndEachCertificateCoversItsTurnWithAMargin()
      throws Exception {
    Identity id = Identity.generate();
    RotatingCredentials credentials = new RotatingCredentials(id, clock, Duration.ofHours(24));
    assertThat(credentials.made()).as("nothing is made before it is asked for").isZero();

    CertifiedKey first = credentials.current();
    X509Certificate c = first.certificate();
    assertThat(PeerCertificates.verify(new X509Certificate[] {c}, now.get()))
        .isEqualTo(id.peerId());
    assertThat(c.getNotBefore().toInstant()).isEqualTo(now.get().minus(Duration.ofHours(1)));
    assertThat(c.getNotAfter().toInstant()).isEqualTo(now.get().plus(Duration.ofHours(25)));

    now.set(now.get().plus(Duration.ofHours(23)));
    assertThat(credentials.current()).isSameAs(first);

    now.set(now.get().plus(Duration.ofHours(1)));
    CertifiedKey second = credentials.current();
    assertThat(second).isNotSameAs(first);
    assertThat(second.certificate().getPublicKey()).isNotEqualTo(c.getPublicKey());
    assertThat(credentials.made()).isEqualTo(2);
    // The old certificate is still valid for the hour its connections may still be made in.
    assertThat(PeerCertificates.verify(new X509Certificate[] {c}, now.get()))
        .isEqualTo(id.peerId());
  }
}
