package io.loudp2p.core.identity;

import io.loudp2p.PeerId;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * TLS certificates bound to peer IDs, as libp2p's TLS handshake binds them: a self-signed X.509
 * certificate for a fresh P-256 TLS key carries an extension in which the peer's secp256k1 identity
 * key signs the certificate's public key. Names, chains and certificate authorities play no part:
 * a certificate is accepted when it is the only one presented, within its validity, self-signed
 * with ECDSA P-256 and SHA-256, and its extension's signature verifies; it then names the peer
 * whose identity key made that signature.
 *
 * <p>The extension, byte for byte: OID {@link #EXTENSION_OID}, marked critical, whose value is the
 * DER encoding of {@code SignedKey ::= SEQUENCE { identityKey OCTET STRING, signature OCTET STRING
 * }}: the 33-byte compressed secp256k1 identity key, and the 64-byte {@code r || s} signature of
 * that key over {@code SHA-256(}{@link #DOMAIN}{@code || SubjectPublicKeyInfo)}, the DER of the
 * certificate's {@code subjectPublicKeyInfo} exactly as it appears in the certificate.
 *
 * <p>Stateless and thread-safe.
 */
public final class PeerCertificates {
  /**
   * The extension's object identifier: an OID under {@code 2.25}, the arc any project may take an
   * OID from by writing a random UUID as an integer (ITU-T X.667), here {@code
   * 13d2fb6a-c77b-4cbf-9e32-e20774a338aa}.
   */
  public static final String EXTENSION_OID = "2.25.26350813604938035733300440414952831146";

  /** What the identity key signs before the certificate's public key: ASCII, ending in a line feed. */
  public static final String DOMAIN = "loudp2p/v1/tls-key\n";

  /** The certificate's own signature algorithm, the only one accepted. */
  public static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";

  private static final ASN1ObjectIdentifier OID = new ASN1ObjectIdentifier(EXTENSION_OID);
  private static final byte[] DOMAIN_BYTES = DOMAIN.getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  private PeerCertificates() {}

  /** A certificate and the private key of its TLS key pair. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    /** Checks the parts. */
    public Issued {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(key, "key");
    }
  }

  /** Why a certificate was refused, for the counters and the message. */
  public enum Refusal {
    /** Not exactly one certificate was presented. */
    NOT_ONE_CERTIFICATE,
    /** Outside its validity period. */
    EXPIRED,
    /** Not self-signed with ECDSA P-256 and SHA-256, or the self-signature does not verify. */
    BAD_CERTIFICATE_SIGNATURE,
    /** It carries no peer-key extension. */
    NO_PEER_KEY,
    /** The extension is not a well-formed {@code SignedKey}. */
    MALFORMED_PEER_KEY,
    /** The identity key's signature over the certificate's public key does not verify. */
    BAD_PEER_KEY_SIGNATURE,
    /** It is valid, but names another peer than the one dialled. */
    WRONG_PEER
  }

  /** A certificate refused, with the reason. */
  public static final class RefusedCertificate extends CertificateException {
    private static final long serialVersionUID = 1L;
    private final Refusal reason;

    /** A refusal for {@code reason}, saying {@code message}. */
    public RefusedCertificate(Refusal reason, String message) {
      super(reason + ": " + message);
      this.reason = reason;
    }

    /** Why the certificate was refused. */
    public Refusal reason() {
      return reason;
    }
  }

  /**
   * Makes a certificate for a new P-256 TLS key, bound to {@code identity}, valid from {@code
   * notBefore} to {@code notAfter}.
   */
  public static Issued issue(Identity identity, Instant notBefore, Instant notAfter) {
    KeyPair tls = newTlsKey();
    return issue(identity, tls, notBefore, notAfter,
        signedKey(identity.publicKey(), identity.sign(signedBytes(tls.getPublic()))));
  }

  /**
   * The certificate of {@code tls} carrying {@code extension} as the peer-key extension, or none
   * when null: the one way certificates are built, open to tests that build wrong ones.
   */
  static Issued issue(Identity identity, KeyPair tls, Instant notBefore, Instant notAfter,
      @Nullable ASN1Encodable extension) {
    X500Name name = new X500Name("CN=" + identity.peerId());
    try {
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
          new BigInteger(64, RANDOM), Date.from(notBefore), Date.from(notAfter), name,
          tls.getPublic());
      if (extension != null) {
        builder.addExtension(OID, true, extension);
      }
      ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE_ALGORITHM)
          .build(tls.getPrivate());
      X509Certificate certificate = new JcaX509CertificateConverter()
          .getCertificate(builder.build(signer));
      return new Issued(certificate, tls.getPrivate());
    } catch (IOException | OperatorCreationException | CertificateException e) {
      throw new IllegalStateException("cannot make a TLS certificate: " + e, e);
    }
  }

  /** A new P-256 key pair from the JDK's provider. */
  static KeyPair newTlsKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no P-256 key pairs in this JDK: " + e, e);
    }
  }

  /** The extension's value: {@code SignedKey} of an identity key and its signature. */
  static ASN1Encodable signedKey(byte[] identityKey, byte[] signature) {
    return new DERSequence(new ASN1Encodable[] {
        new DEROctetString(identityKey), new DEROctetString(signature)});
  }

  /** What the identity key signs: {@link #DOMAIN} then the DER of the subject public key info. */
  static byte[] signedBytes(PublicKey tlsKey) {
    return signedBytes(tlsKey.getEncoded());
  }

  private static byte[] signedBytes(byte[] spki) {
    byte[] out = new byte[DOMAIN_BYTES.length + spki.length];
    System.arraycopy(DOMAIN_BYTES, 0, out, 0, DOMAIN_BYTES.length);
    System.arraycopy(spki, 0, out, DOMAIN_BYTES.length, spki.length);
    return out;
  }

  /**
   * The peer a presented chain authenticates, checked as the class comment says.
   *
   * @param now the time the validity is checked at
   * @throws RefusedCertificate naming why it was refused
   */
  public static PeerId verify(X509Certificate[] chain, Instant now) throws RefusedCertificate {
    if (chain == null || chain.length != 1) {
      throw new RefusedCertificate(Refusal.NOT_ONE_CERTIFICATE,
          "a peer presents exactly one certificate, not " + (chain == null ? 0 : chain.length));
    }
    X509Certificate c = chain[0];
    try {
      c.checkValidity(Date.from(now));
    } catch (CertificateException e) {
      throw new RefusedCertificate(Refusal.EXPIRED, "valid from " + c.getNotBefore().toInstant()
          + " to " + c.getNotAfter().toInstant() + ", not at " + now);
    }
    PublicKey key = c.getPublicKey();
    if (!SIGNATURE_ALGORITHM.equalsIgnoreCase(c.getSigAlgName())
        || !(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize()
            != 256 || !isP256(ec)) {
      throw new RefusedCertificate(Refusal.BAD_CERTIFICATE_SIGNATURE,
          "not a P-256 key self-signed with " + SIGNATURE_ALGORITHM + " (" + c.getSigAlgName()
              + ", " + key.getAlgorithm() + ")");
    }
    try {
      c.verify(key);
    } catch (GeneralSecurityException e) {
      throw new RefusedCertificate(Refusal.BAD_CERTIFICATE_SIGNATURE,
          "its self-signature does not verify");
    }
    byte[] wrapped = c.getExtensionValue(EXTENSION_OID);
    if (wrapped == null) {
      throw new RefusedCertificate(Refusal.NO_PEER_KEY, "no extension " + EXTENSION_OID);
    }
    byte[] identityKey;
    byte[] signature;
    try {
      ASN1Primitive value = ASN1Primitive.fromByteArray(
          ASN1OctetString.getInstance(wrapped).getOctets());
      ASN1Sequence seq = ASN1Sequence.getInstance(value);
      if (seq.size() != 2) {
        throw new IllegalArgumentException("a SignedKey has 2 fields, not " + seq.size());
      }
      identityKey = ASN1OctetString.getInstance(seq.getObjectAt(0)).getOctets();
      signature = ASN1OctetString.getInstance(seq.getObjectAt(1)).getOctets();
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      throw new RefusedCertificate(Refusal.MALFORMED_PEER_KEY, String.valueOf(e.getMessage()));
    }
    if (identityKey.length != Identity.PUBLIC_KEY_LENGTH
        || signature.length != Identity.SIGNATURE_LENGTH) {
      throw new RefusedCertificate(Refusal.MALFORMED_PEER_KEY, "an identity key of "
          + identityKey.length + " bytes and a signature of " + signature.length);
    }
    if (!Identity.verify(identityKey, signedBytes(subjectPublicKeyInfo(c)), signature)) {
      throw new RefusedCertificate(Refusal.BAD_PEER_KEY_SIGNATURE,
          "the identity key's signature over the certificate's key does not verify");
    }
    return PeerIds.ofVerifiedKey(identityKey);
  }

  /**
   * The peer the chain authenticates, which must be {@code expected} (a dialler that knows whom
   * it dials).
   */
  public static PeerId verify(X509Certificate[] chain, Instant now, PeerId expected)
      throws RefusedCertificate {
    PeerId got = verify(chain, now);
    if (!got.equals(expected)) {
      throw new RefusedCertificate(Refusal.WRONG_PEER, "dialled " + expected + ", reached " + got);
    }
    return got;
  }

  /** The certificate's subjectPublicKeyInfo, its DER exactly as in the certificate. */
  private static byte[] subjectPublicKeyInfo(X509Certificate c) throws RefusedCertificate {
    try {
      return org.bouncycastle.asn1.x509.Certificate.getInstance(c.getEncoded())
          .getSubjectPublicKeyInfo().getEncoded(org.bouncycastle.asn1.ASN1Encoding.DER);
    } catch (IOException | CertificateException | IllegalArgumentException e) {
      throw new RefusedCertificate(Refusal.MALFORMED_PEER_KEY, "unreadable certificate: " + e);
    }
  }

  private static boolean isP256(ECPublicKey key) {
    // P-256's order, which no other 256-bit curve the JDK knows shares.
    return key.getParams().getOrder().equals(new BigInteger(
        "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16));
  }
}
