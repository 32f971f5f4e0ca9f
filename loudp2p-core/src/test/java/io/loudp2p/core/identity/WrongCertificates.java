package io.loudp2p.core.identity;

import io.loudp2p.spi.PeerCredentials;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;

/**
 * Credentials whose certificate a peer must refuse, one per way of being wrong (PROTOCOL.md
 * section 9), for tests of the handshake over real connections.
 */
public final class WrongCertificates {
  private WrongCertificates() {}

  /** A certificate of {@code identity}'s peer without the peer-key extension. */
  public static PeerCredentials withoutExtension(Identity identity) {
    return of(PeerCertificates.issue(identity, PeerCertificates.newTlsKey(), from(), to(), null));
  }

  /** A TLS key signed by {@code signer} in an extension that names {@code named}'s key. */
  public static PeerCredentials signedByAnother(Identity named, Identity signer) {
    KeyPair tls = PeerCertificates.newTlsKey();
    return of(PeerCertificates.issue(signer, tls, from(), to(), PeerCertificates.signedKey(
        named.publicKey(), signer.sign(PeerCertificates.signedBytes(tls.getPublic())))));
  }

  /** A certificate of {@code identity} that expired yesterday. */
  public static PeerCredentials expired(Identity identity) {
    Instant now = Instant.now();
    return of(PeerCertificates.issue(identity, now.minus(Duration.ofDays(3)),
        now.minus(Duration.ofDays(1))));
  }

  private static Instant from() {
    return Instant.now().minus(Duration.ofHours(1));
  }

  private static Instant to() {
    return Instant.now().plus(Duration.ofHours(1));
  }

  private static PeerCredentials of(PeerCertificates.Issued issued) {
    PeerCredentials.CertifiedKey k =
        new PeerCredentials.CertifiedKey(issued.certificate(), issued.key());
    return () -> k;
  }
}
