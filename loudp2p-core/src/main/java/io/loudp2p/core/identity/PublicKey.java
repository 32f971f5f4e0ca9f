package io.loudp2p.core.identity;

import io.loudp2p.PeerId;
import org.bouncycastle.math.ec.ECPoint;
import org.jspecify.annotations.Nullable;

/**
 * A peer's public key, decoded and checked once, that verifies signatures and names its peer ID.
 *
 * <p>Decoding a compressed key costs a modular square root; receivers that check many messages
 * from the same peer keep this object rather than the bytes. Immutable and thread-safe.
 */
public final class PublicKey {
  private final byte[] encoded;
  private final ECPoint point;
  private @Nullable PeerId peerId;

  private PublicKey(byte[] encoded, ECPoint point) {
    this.encoded = encoded;
    this.point = point;
  }

  /**
   * Decodes a 33-byte SEC1 compressed public key.
   *
   * @throws IllegalArgumentException when the bytes are not a compressed point on secp256k1
   */
  public static PublicKey decodeCompressed(byte[] compressed) {
    if (compressed.length != Secp256k1.COMPRESSED_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "a peer's public key is 33 bytes, SEC1 compressed; got " + compressed.length);
    }
    ECPoint point = Secp256k1.decodePoint(compressed);
    if (point == null) {
      throw new IllegalArgumentException("not a point on secp256k1");
    }
    return new PublicKey(compressed.clone(), point);
  }

  /** The 33-byte compressed encoding. A new copy. */
  public byte[] encoded() {
    return encoded.clone();
  }

  /** The peer ID this key derives. */
  public PeerId peerId() {
    PeerId id = peerId;
    if (id == null) {
      id = PeerIds.ofVerifiedKey(encoded);
      peerId = id;
    }
    return id;
  }

  /** Whether {@code signature} is a valid low-S signature by this key over a SHA-256 digest. */
  public boolean verifyDigest(byte[] digest, byte[] signature) {
    if (digest.length != 32 || signature.length != Identity.SIGNATURE_LENGTH) {
      return false;
    }
    return Identity.verifyDigest(point, digest, signature);
  }
}
