package io.loudp2p.core.identity;

import io.loudp2p.spi.PeerCredentials;
import java.security.KeyPair;
import java.time.Instant;

/**
 * Certificates a peer must refuse, one per way of being wrong (PROTOCOL.md section 9), for the
 * tests of the certificate checks and of the handshake over real connections; and credentials
 * that present one fixed certificate.
 */
public final class WrongCertificates {
  private WrongCertificates() {}

  /** A certificate of {@code identity}'s peer without the peer-key extension. */
  public static PeerCertificates.Issued withoutExtension(Identity identity, Instant from,
      Instant to) {
    return PeerCertificates.issue(identity, PeerCertificates.newTlsKey(), from, to, null);
  }

  /** A TLS key signed by {@code signer}, in an extension that names {@code named}'s key. */
  public static PeerCertificates.Issued signedByAnother(Identity named, Identity signer,
      Instant from, Instant to) {
    KeyPair tls = PeerCertificates.newTlsKey();
    return PeerCertificates.issue(signer, tls, from, to, PeerCertificates.signedKey(
        named.publicKey(), signer.sign(PeerCertificates.signedBytes(tls.getPublic()))));
  }

  /** Credentials that always present {@code issued}. */
  public static PeerCredentials fixed(PeerCertificates.Issued issued) {
    PeerCredentials.CertifiedKey k =
        new PeerCredentials.CertifiedKey(issued.certificate(), issued.key());
    return () -> k;
  }
}
