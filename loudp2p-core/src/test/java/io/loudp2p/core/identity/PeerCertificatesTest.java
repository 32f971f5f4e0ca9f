package io.loudp2p.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.core.identity.PeerCertificates.Refusal;
import io.loudp2p.core.identity.PeerCertificates.RefusedCertificate;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.junit.jupiter.api.Test;

/**
 * Certificates bound to peer IDs: one made for an identity names it; every way a certificate can
 * be wrong is refused with its own reason.
 */
class PeerCertificatesTest {
  private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
  private static final Instant FROM = NOW.minus(Duration.ofHours(1));
  private static final Instant TO = NOW.plus(Duration.ofHours(25));

  private final Identity alice = Identity.generate();
  private final Identity mallory = Identity.generate();

  private static X509Certificate[] chain(PeerCertificates.Issued issued) {
    return new X509Certificate[] {issued.certificate()};
  }

  private static Refusal refusal(X509Certificate[] chain) {
    try {
      PeerCertificates.verify(chain, NOW);
    } catch (RefusedCertificate e) {
      return e.reason();
    }
    throw new AssertionError("accepted");
  }

  @Test
  void aCertificateMadeForAnIdentityNamesItsPeer() throws Exception {
    PeerCertificates.Issued issued = PeerCertificates.issue(alice, FROM, TO);
    assertThat(PeerCertificates.verify(chain(issued), NOW)).isEqualTo(alice.peerId());
    assertThat(PeerCertificates.verify(chain(issued), NOW, alice.peerId()))
        .isEqualTo(alice.peerId());
    X509Certificate c = issued.certificate();
    assertThat(c.getCriticalExtensionOIDs()).containsExactly(PeerCertificates.EXTENSION_OID);
    assertThat(c.getSigAlgName()).isEqualToIgnoringCase("SHA256withECDSA");
    assertThat(issued.key().getAlgorithm()).isEqualTo("EC");

    // Each certificate has a TLS key of its own.
    PeerCertificates.Issued again = PeerCertificates.issue(alice, FROM, TO);
    assertThat(again.certificate().getPublicKey()).isNotEqualTo(c.getPublicKey());
  }

  @Test
  void aDiallerThatExpectedAnotherPeerRefusesIt() {
    PeerCertificates.Issued issued = PeerCertificates.issue(mallory, FROM, TO);
    assertThatThrownBy(() -> PeerCertificates.verify(chain(issued), NOW, alice.peerId()))
        .isInstanceOf(RefusedCertificate.class)
        .hasMessageContaining("WRONG_PEER")
        .hasMessageContaining(alice.peerId().toString())
        .hasMessageContaining(mallory.peerId().toString());
  }

  @Test
  void aCertificateOutsideItsValidityIsRefused() {
    PeerCertificates.Issued expired = PeerCertificates.issue(alice, NOW.minus(Duration.ofDays(3)),
        NOW.minus(Duration.ofDays(1)));
    assertThat(refusal(chain(expired))).isEqualTo(Refusal.EXPIRED);
    PeerCertificates.Issued notYet = PeerCertificates.issue(alice, NOW.plus(Duration.ofDays(1)),
        NOW.plus(Duration.ofDays(2)));
    assertThat(refusal(chain(notYet))).isEqualTo(Refusal.EXPIRED);
  }

  @Test
  void aCertificateWithoutTheExtensionIsRefused() {
    PeerCertificates.Issued bare = WrongCertificates.withoutExtension(alice, FROM, TO);
    assertThat(refusal(chain(bare))).isEqualTo(Refusal.NO_PEER_KEY);
  }

  @Test
  void aKeySignedByAnotherIdentityThanTheOneItNamesIsRefused() {
    // Mallory signs the TLS key but names Alice's identity key: Alice's signature is not there.
    PeerCertificates.Issued forged = WrongCertificates.signedByAnother(alice, mallory, FROM, TO);
    assertThat(refusal(chain(forged))).isEqualTo(Refusal.BAD_PEER_KEY_SIGNATURE);
  }

  @Test
  void aSignatureCopiedFromAnotherCertificateDoesNotCoverThisKey() {
    // Alice's extension from one certificate, in a certificate of Mallory's TLS key.
    KeyPair alicesTls = PeerCertificates.newTlsKey();
    ASN1Encodable alicesExtension = PeerCertificates.signedKey(alice.publicKey(),
        alice.sign(PeerCertificates.signedBytes(alicesTls.getPublic())));
    PeerCertificates.Issued copied = PeerCertificates.issue(mallory, PeerCertificates.newTlsKey(),
        FROM, TO, alicesExtension);
    assertThat(refusal(chain(copied))).isEqualTo(Refusal.BAD_PEER_KEY_SIGNATURE);

    // The same signature without the domain string is not the one asked for either.
    KeyPair tls = PeerCertificates.newTlsKey();
    ASN1Encodable noDomain = PeerCertificates.signedKey(alice.publicKey(),
        alice.sign(tls.getPublic().getEncoded()));
    assertThat(refusal(chain(PeerCertificates.issue(alice, tls, FROM, TO, noDomain))))
        .isEqualTo(Refusal.BAD_PEER_KEY_SIGNATURE);
  }

  @Test
  void aMalformedExtensionIsRefusedAsMalformed() {
    KeyPair tls = PeerCertificates.newTlsKey();
    ASN1Encodable oneField = new DERSequence(new ASN1Encodable[] {
        new DEROctetString(alice.publicKey())});
    assertThat(refusal(chain(PeerCertificates.issue(alice, tls, FROM, TO, oneField))))
        .isEqualTo(Refusal.MALFORMED_PEER_KEY);
    ASN1Encodable shortKey = PeerCertificates.signedKey(new byte[20], new byte[64]);
    assertThat(refusal(chain(PeerCertificates.issue(alice, tls, FROM, TO, shortKey))))
        .isEqualTo(Refusal.MALFORMED_PEER_KEY);
    ASN1Encodable notASequence = new DEROctetString(new byte[] {1, 2, 3});
    assertThat(refusal(chain(PeerCertificates.issue(alice, tls, FROM, TO, notASequence))))
        .isEqualTo(Refusal.MALFORMED_PEER_KEY);
  }

  @Test
  void aCertificateNotSignedByItsOwnKeyIsRefused() {
    KeyPair tls = PeerCertificates.newTlsKey();
    KeyPair other = PeerCertificates.newTlsKey();
    // The certificate names tls's public key but is signed with another private key.
    KeyPair mixed = new KeyPair(tls.getPublic(), other.getPrivate());
    ASN1Encodable extension = PeerCertificates.signedKey(alice.publicKey(),
        alice.sign(PeerCertificates.signedBytes(tls.getPublic())));
    assertThat(refusal(chain(PeerCertificates.issue(alice, mixed, FROM, TO, extension))))
        .isEqualTo(Refusal.BAD_CERTIFICATE_SIGNATURE);
  }

  @Test
  void exactlyOneCertificateIsAccepted() {
    PeerCertificates.Issued a = PeerCertificates.issue(alice, FROM, TO);
    assertThat(refusal(new X509Certificate[0])).isEqualTo(Refusal.NOT_ONE_CERTIFICATE);
    assertThat(refusal(new X509Certificate[] {a.certificate(), a.certificate()}))
        .isEqualTo(Refusal.NOT_ONE_CERTIFICATE);
  }
}
