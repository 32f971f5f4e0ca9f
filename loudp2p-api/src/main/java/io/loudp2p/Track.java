package io.loudp2p;

import java.util.Objects;

/**
 * A track: its content-derived {@link TrackId}, its size in bytes and its {@link TrackInfo}.
 *
 * <p>Immutable and thread-safe; equal when id, size and info are equal.
 *
 * @param id the Merkle root over the file's 16 KiB chunks
 * @param size the file's size in bytes, at least 1
 * @param info the metadata read from the file
 */
public record Track(TrackId id, long size, TrackInfo info) {
  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException when {@code size} is not positive
   */
  public Track {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(info, "info");
    if (size < 1) {
      throw new IllegalArgumentException("a track has at least one byte, got size " + size);
    }
  }
}
