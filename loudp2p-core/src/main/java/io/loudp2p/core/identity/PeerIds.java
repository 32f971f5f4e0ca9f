package io.loudp2p.core.identity;

import io.loudp2p.PeerId;
import io.loudp2p.internal.Base58;
import org.bouncycastle.crypto.digests.RIPEMD160Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * Derives peer IDs from public keys, as Bitcoin derives version 1 addresses.
 *
 * <p>A peer ID is {@code Base58Check(version || RIPEMD160(SHA256(key)))}. loudp2p peers always hash
 * their 33-byte compressed key and use {@link PeerId#VERSION}; with version {@code 0x00} and the
 * same key bytes, {@link #fromPublicKey(int, byte[])} gives the Bitcoin address of that key.
 *
 * <p>Thread-safe (stateless).
 */
public final class PeerIds {
  private PeerIds() {}

  /**
   * The Base58Check address of a public key under any version byte.
   *
   * @param version the version byte, 0 to 255 (0 gives Bitcoin mainnet P2PKH addresses)
   * @param sec1PublicKey a 33-byte compressed or 65-byte uncompressed SEC1 key, hashed as given
   * @throws IllegalArgumentException when the version is out of range or the key is not a point on
   *     secp256k1
   */
  public static String fromPublicKey(int version, byte[] sec1PublicKey) {
    if (version < 0 || version > 0xFF) {
      throw new IllegalArgumentException("version must be a byte, 0 to 255: " + version);
    }
    requirePoint(sec1PublicKey);
    return Base58.encodeChecked(versionedHash(version, sec1PublicKey));
  }

  /**
   * The loudp2p peer ID of a 33-byte compressed public key.
   *
   * @throws IllegalArgumentException when the key is not a compressed point on secp256k1
   */
  public static PeerId of(byte[] compressedPublicKey) {
    if (compressedPublicKey.length != Secp256k1.COMPRESSED_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "a peer's public key is 33 bytes, SEC1 compressed; got " + compressedPublicKey.length);
    }
    requirePoint(compressedPublicKey);
    return ofVerifiedKey(compressedPublicKey);
  }

  /** The peer ID of a compressed key already known to be on the curve. */
  static PeerId ofVerifiedKey(byte[] compressedPublicKey) {
    return PeerId.fromBytes(versionedHash(PeerId.VERSION, compressedPublicKey));
  }

  /** {@code version || RIPEMD160(SHA256(key))}: 21 bytes. */
  static byte[] versionedHash(int version, byte[] key) {
    SHA256Digest sha256 = new SHA256Digest();
    sha256.update(key, 0, key.length);
    byte[] sha = new byte[32];
    sha256.doFinal(sha, 0);
    RIPEMD160Digest ripemd = new RIPEMD160Digest();
    ripemd.update(sha, 0, sha.length);
    byte[] out = new byte[21];
    out[0] = (byte) version;
    ripemd.doFinal(out, 1);
    return out;
  }

  private static void requirePoint(byte[] key) {
    if (Secp256k1.decodePoint(key) == null) {
      throw new IllegalArgumentException(
          "not a secp256k1 public key (" + key.length + " bytes): expected a SEC1 point on the curve");
    }
  }
}
