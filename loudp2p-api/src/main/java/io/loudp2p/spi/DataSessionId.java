package io.loudp2p.spi;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The 16-byte identifier of one data session, agreed on the control plane when a stream starts.
 *
 * <p>Immutable and thread-safe; equal when the bytes are equal. The text form is lower-case hex.
 */
public final class DataSessionId {
  /** The length of {@link #bytes()}. */
  public static final int LENGTH = 16;

  private final byte[] bytes;

  private DataSessionId(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Makes a session ID from its 16 bytes (a copy is kept).
   *
   * @throws IllegalArgumentException on the wrong length
   */
  public static DataSessionId fromBytes(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException(
          "a data session ID has " + LENGTH + " bytes, got " + bytes.length);
    }
    return new DataSessionId(bytes.clone());
  }

  /** The 16 bytes of this ID. A new copy. */
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataSessionId && Arrays.equals(bytes, ((DataSessionId) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(bytes);
  }
}
