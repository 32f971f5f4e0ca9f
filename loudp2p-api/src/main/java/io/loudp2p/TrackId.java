package io.loudp2p;

import io.loudp2p.internal.Base58;
import java.util.Arrays;

/**
 * The identity of a track: the RFC 6962 Merkle Tree Hash (SHA-256) over its 16 KiB chunks.
 *
 * <p>Two peers that hold the same bytes name them by the same track ID, whatever the files are
 * called; a chunk from anyone can be checked against it. The text form is Base58 of the 32 bytes.
 *
 * <p>Immutable and thread-safe; equal when the bytes are equal.
 */
public final class TrackId implements Comparable<TrackId> {
  /** The length of {@link #bytes()}. */
  public static final int LENGTH = 32;

  private final byte[] bytes;

  private TrackId(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Makes a track ID from its 32 bytes (a copy is kept).
   *
   * @throws IllegalArgumentException on the wrong length
   */
  public static TrackId fromBytes(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException(
          "a track ID has " + LENGTH + " bytes, got " + bytes.length);
    }
    return new TrackId(bytes.clone());
  }

  /**
   * Parses the Base58 text form of a track ID.
   *
   * @throws IllegalArgumentException on a character outside the Base58 alphabet or the wrong length
   */
  public static TrackId parse(String text) {
    byte[] decoded;
    try {
      decoded = Base58.decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a track ID: \"" + text + "\": " + e.getMessage(), e);
    }
    if (decoded.length != LENGTH) {
      throw new IllegalArgumentException(
          "not a track ID: \"" + text + "\": decodes to " + decoded.length + " bytes, expected "
              + LENGTH);
    }
    return new TrackId(decoded);
  }

  /** The 32 bytes of this track ID. A new copy. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Whether {@code candidate} holds the same 32 bytes, without copying. */
  public boolean matches(byte[] candidate) {
    return Arrays.equals(bytes, candidate);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrackId && Arrays.equals(bytes, ((TrackId) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(TrackId other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  /** The Base58 text form, as {@link #parse(String)} reads it. */
  @Override
  public String toString() {
    return Base58.encode(bytes);
  }
}
