package io.loudp2p.core.identity;

import java.math.BigInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.jspecify.annotations.Nullable;

/** The secp256k1 curve and the checks every key and signature goes through. Stateless. */
final class Secp256k1 {
  static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");
  static final ECDomainParameters DOMAIN =
      new ECDomainParameters(PARAMS.getCurve(), PARAMS.getG(), PARAMS.getN(), PARAMS.getH());
  static final BigInteger N = PARAMS.getN();
  static final BigInteger HALF_N = N.shiftRight(1);

  static final int COMPRESSED_KEY_LENGTH = 33;
  static final int UNCOMPRESSED_KEY_LENGTH = 65;

  private Secp256k1() {}

  /**
   * Decodes a SEC1 public key (33-byte compressed or 65-byte uncompressed), or returns null when
   * the bytes are not a point on the curve other than infinity.
   */
  static @Nullable ECPoint decodePoint(byte[] encoded) {
    if (encoded.length != COMPRESSED_KEY_LENGTH && encoded.length != UNCOMPRESSED_KEY_LENGTH) {
      return null;
    }
    int prefix = encoded[0];
    boolean okPrefix =
        encoded.length == COMPRESSED_KEY_LENGTH ? (prefix == 0x02 || prefix == 0x03) : prefix == 0x04;
    if (!okPrefix) {
      return null;
    }
    try {
      ECPoint point = DOMAIN.getCurve().decodePoint(encoded);
      if (point.isInfinity() || !point.isValid()) {
        return null;
      }
      return point.normalize();
    } catch (IllegalArgumentException | ArithmeticException e) {
      return null;
    }
  }

  /** Whether {@code d} is a valid private scalar: 1 <= d < n. */
  static boolean isValidPrivate(BigInteger d) {
    return d.signum() > 0 && d.compareTo(N) < 0;
  }
}
