package io.loudp2p.core.identity;

import io.loudp2p.PeerId;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * A peer's secp256k1 key pair: what it signs with and what its {@link PeerId} is derived from.
 *
 * <p>Signatures are ECDSA over SHA-256 of the message, with deterministic nonces (RFC 6979) and
 * low-S normalisation, encoded as 64 bytes {@code r || s} (each 32 bytes, big-endian).
 * {@link #verify(byte[], byte[], byte[])} accepts only that form: a high-S signature, r or s of
 * zero or not below the curve order, a wrong length, or a key that is not a point on the curve
 * fails verification.
 *
 * <p>Immutable and thread-safe. The private key never leaves this object except through
 * {@link #loadOrCreate(Path)}'s file.
 */
public final class Identity {
  /** The length of a signature: {@code r || s}. */
  public static final int SIGNATURE_LENGTH = 64;

  /** The length of a private key. */
  public static final int PRIVATE_KEY_LENGTH = 32;

  /** The length of {@link #publicKey()}: a SEC1 compressed point. */
  public static final int PUBLIC_KEY_LENGTH = Secp256k1.COMPRESSED_KEY_LENGTH;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final ECPrivateKeyParameters privateKey;
  private final byte[] publicKey;
  private final PeerId peerId;

  private Identity(BigInteger d) {
    this.privateKey = new ECPrivateKeyParameters(d, Secp256k1.DOMAIN);
    ECPoint q = new FixedPointCombMultiplier().multiply(Secp256k1.DOMAIN.getG(), d).normalize();
    this.publicKey = q.getEncoded(true);
    this.peerId = PeerIds.ofVerifiedKey(publicKey);
  }

  /** A new identity with a key drawn from a {@link SecureRandom}. */
  public static Identity generate() {
    while (true) {
      byte[] secret = new byte[PRIVATE_KEY_LENGTH];
      RANDOM.nextBytes(secret);
      BigInteger d = new BigInteger(1, secret);
      Arrays.fill(secret, (byte) 0);
      if (Secp256k1.isValidPrivate(d)) {
        return new Identity(d);
      }
    }
  }

  /**
   * The identity of a 32-byte private key (big-endian scalar).
   *
   * @throws IllegalArgumentException when the key is not 32 bytes or not in [1, n - 1]
   */
  public static Identity fromPrivateKey(byte[] secret32) {
    if (secret32.length != PRIVATE_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "a private key has " + PRIVATE_KEY_LENGTH + " bytes, got " + secret32.length);
    }
    BigInteger d = new BigInteger(1, secret32);
    if (!Secp256k1.isValidPrivate(d)) {
      throw new IllegalArgumentException("private key out of range: must be in [1, n - 1]");
    }
    return new Identity(d);
  }

  /**
   * Loads the identity kept in {@code file}, or creates one there when the file does not exist.
   *
   * <p>A new file is written atomically (a temporary file in the same folder, flushed to disk,
   * then renamed) and readable by its owner only. An existing file that is corrupt, truncated,
   * not an identity file, or readable by others is an error naming the file: it never silently
   * becomes a new identity.
   *
   * @throws IdentityFileException when the file exists but cannot be used
   * @throws IOException when the file cannot be read or written
   */
  public static Identity loadOrCreate(Path file) throws IOException {
    return IdentityFile.loadOrCreate(file);
  }

  /** The 33-byte SEC1 compressed public key. A new copy. */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The peer ID derived from {@link #publicKey()}. */
  public PeerId peerId() {
    return peerId;
  }

  /** The 32-byte private key; package-private, for the identity file only. */
  byte[] privateKeyBytes() {
    return BigIntegers.asUnsignedByteArray(PRIVATE_KEY_LENGTH, privateKey.getD());
  }

  /** Signs SHA-256 of {@code message}: 64 bytes {@code r || s}, deterministic and low-S. */
  public byte[] sign(byte[] message) {
    return signDigest(sha256(message));
  }

  /**
   * Signs a SHA-256 digest computed by the caller (for messages hashed in parts, such as a domain
   * string followed by a payload): 64 bytes {@code r || s}, deterministic and low-S.
   *
   * @throws IllegalArgumentException when {@code digest} is not 32 bytes
   */
  public byte[] signDigest(byte[] digest) {
    requireDigest(digest);
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, privateKey);
    BigInteger[] rs = signer.generateSignature(digest);
    BigInteger r = rs[0];
    BigInteger s = rs[1];
    if (s.compareTo(Secp256k1.HALF_N) > 0) {
      s = Secp256k1.N.subtract(s);
    }
    byte[] out = new byte[SIGNATURE_LENGTH];
    BigIntegers.asUnsignedByteArray(r, out, 0, 32);
    BigIntegers.asUnsignedByteArray(s, out, 32, 32);
    return out;
  }

  /**
   * Whether {@code signature} is a valid low-S signature by {@code publicKey} over SHA-256 of
   * {@code message}. Never throws for malformed input: it returns false.
   *
   * @param publicKey a 33-byte compressed or 65-byte uncompressed SEC1 key
   */
  public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    return verifyDigest(publicKey, sha256(message), signature);
  }

  /**
   * Whether {@code signature} is a valid low-S signature by {@code publicKey} over a SHA-256 digest
   * computed by the caller. Never throws for malformed input: it returns false.
   */
  public static boolean verifyDigest(byte[] publicKey, byte[] digest, byte[] signature) {
    if (digest.length != 32 || signature.length != SIGNATURE_LENGTH) {
      return false;
    }
    ECPoint q = Secp256k1.decodePoint(publicKey);
    if (q == null) {
      return false;
    }
    return verifyDigest(q, digest, signature);
  }

  /** Verification against a point already decoded and checked to be on the curve. */
  static boolean verifyDigest(ECPoint q, byte[] digest, byte[] signature) {
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    if (r.signum() == 0 || r.compareTo(Secp256k1.N) >= 0) {
      return false;
    }
    if (s.signum() == 0 || s.compareTo(Secp256k1.HALF_N) > 0) {
      return false;
    }
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, new ECPublicKeyParameters(q, Secp256k1.DOMAIN));
    return verifier.verifySignature(digest, r, s);
  }

  static byte[] sha256(byte[] message) {
    SHA256Digest sha256 = new SHA256Digest();
    sha256.update(message, 0, message.length);
    byte[] out = new byte[32];
    sha256.doFinal(out, 0);
    return out;
  }

  private static void requireDigest(byte[] digest) {
    if (digest.length != 32) {
      throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, got " + digest.length);
    }
  }

  /** The peer ID; the private key is never part of the text. */
  @Override
  public String toString() {
    return "Identity{" + peerId + "}";
  }
}
