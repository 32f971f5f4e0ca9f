package io.loudp2p;

import io.loudp2p.internal.Base58;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The identity of a peer: the hash of its public key, as Bitcoin derives an address.
 *
 * <p>A peer ID is {@code Base58Check(version || RIPEMD160(SHA256(compressed public key)))} with
 * {@link #VERSION} as the version byte. It stays the same when the peer changes address or network;
 * only the key it was derived from can sign for it. The text form ({@link #toString()}) is what
 * people see and type; {@link #bytes()} is what the wire protocol carries.
 *
 * <p>Immutable and thread-safe; equal when the bytes are equal.
 */
public final class PeerId implements Comparable<PeerId> {
  /** The version byte of loudp2p peer IDs; their text form starts with 'L'. */
  public static final int VERSION = 0x30;

  /** The length of {@link #bytes()}: the version byte and a 20-byte hash. */
  public static final int LENGTH = 21;

  private final byte[] bytes;
  /** The text form, computed when first asked for; a benign race computes the same string. */
  private @Nullable String text;

  private PeerId(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Parses the text form of a peer ID.
   *
   * @throws IllegalArgumentException when the text has a character outside the Base58 alphabet, a
   *     checksum that does not match, the wrong length, or another version byte; the message says
   *     which
   */
  public static PeerId parse(String text) {
    byte[] payload;
    try {
      payload = Base58.decodeChecked(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a peer ID: \"" + text + "\": " + e.getMessage(), e);
    }
    return fromBytes(payload, "\"" + text + "\"");
  }

  /**
   * Makes a peer ID from its 21 bytes: the version byte and the 20-byte hash of the public key.
   *
   * @throws IllegalArgumentException on the wrong length or version
   */
  public static PeerId fromBytes(byte[] bytes) {
    return fromBytes(bytes.clone(), "of " + bytes.length + " bytes");
  }

  private static PeerId fromBytes(byte[] payload, String what) {
    if (payload.length != LENGTH) {
      throw new IllegalArgumentException(
          "not a peer ID " + what + ": decodes to " + payload.length + " bytes, expected " + LENGTH);
    }
    int version = payload[0] & 0xFF;
    if (version != VERSION) {
      throw new IllegalArgumentException(
          String.format(
              "not a peer ID %s: version byte 0x%02x, expected 0x%02x", what, version, VERSION));
    }
    return new PeerId(payload);
  }

  /** The 21 bytes of this peer ID: the version byte and the 20-byte key hash. A new copy. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Whether {@code candidate} holds the same 21 bytes, without copying. */
  public boolean matches(byte[] candidate) {
    return Arrays.equals(bytes, candidate);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerId && Arrays.equals(bytes, ((PeerId) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(PeerId other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  /** The Base58Check text form, as {@link #parse(String)} reads it. */
  @Override
  public String toString() {
    String t = text;
    if (t == null) {
      t = Base58.encodeChecked(bytes);
      text = t;
    }
    return t;
  }
}
