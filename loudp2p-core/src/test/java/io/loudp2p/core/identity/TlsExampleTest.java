package io.loudp2p.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.wire.ProtocolExampleTest;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPublicKeySpec;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encoding;
import org.junit.jupiter.api.Test;

/**
 * Recomputes the worked example of PROTOCOL.md section 9 (the certificate extension binding a TLS
 * key to a peer) and checks that the document shows exactly these bytes.
 */
class TlsExampleTest {
  private static final HexFormat HEX = HexFormat.of();

  /** The example, computed: name to value, in the order PROTOCOL.md lists them. */
  static Map<String, String> compute() throws Exception {
    byte[] secret = new byte[32];
    for (int i = 0; i < 32; i++) {
      secret[i] = (byte) (i + 1);
    }
    Identity identity = Identity.fromPrivateKey(secret);
    // The P-256 key whose private key is 1: the curve's generator point.
    AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
    p.init(new ECGenParameterSpec("secp256r1"));
    ECParameterSpec curve = p.getParameterSpec(ECParameterSpec.class);
    PublicKey tls = KeyFactory.getInstance("EC")
        .generatePublic(new ECPublicKeySpec(curve.getGenerator(), curve));
    byte[] signed = PeerCertificates.signedBytes(tls);
    byte[] signature = identity.sign(signed);
    byte[] extension = PeerCertificates.signedKey(identity.publicKey(), signature)
        .toASN1Primitive().getEncoded(ASN1Encoding.DER);

    Map<String, String> values = new LinkedHashMap<>();
    values.put("identity-key", HEX.formatHex(identity.publicKey()));
    values.put("peer-id", identity.peerId().toString());
    values.put("tls-spki", HEX.formatHex(tls.getEncoded()));
    values.put("signed-digest", HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(signed)));
    values.put("signature", HEX.formatHex(signature));
    values.put("extension", HEX.formatHex(extension));
    return values;
  }

  @Test
  void protocolDocumentShowsExactlyTheBytesTheCodeProduces() throws Exception {
    assertThat(ProtocolExampleTest.documented("tls-example"))
        .as("the TLS example in PROTOCOL.md").isEqualTo(compute());
  }

  @Test
  void theExampleBindsTheKeyToThePeer() throws Exception {
    Map<String, String> v = compute();
    byte[] spki = HEX.parseHex(v.get("tls-spki"));
    byte[] signed = new byte[PeerCertificates.DOMAIN.length() + spki.length];
    System.arraycopy(PeerCertificates.DOMAIN.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        0, signed, 0, PeerCertificates.DOMAIN.length());
    System.arraycopy(spki, 0, signed, PeerCertificates.DOMAIN.length(), spki.length);
    assertThat(Identity.verify(HEX.parseHex(v.get("identity-key")), signed,
        HEX.parseHex(v.get("signature")))).isTrue();
    assertThat(new BigInteger(1, HEX.parseHex(v.get("signed-digest")))).isPositive();
  }

  /** Prints the example in PROTOCOL.md's layout. */
  public static void main(String[] args) throws Exception {
    ProtocolExampleTest.print(compute());
  }
}
