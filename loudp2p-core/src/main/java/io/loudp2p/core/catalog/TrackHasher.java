package io.loudp2p.core.catalog;

import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.internal.MerkleTrackHasher;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Computes the {@link TrackId} of a file: the RFC 6962 Merkle root over its 16 KiB chunks.
 *
 * <p>A policy the catalog calls once per new or changed file; tests pass their own to count calls
 * or to fail on purpose. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface TrackHasher {
  /** The chunk size track IDs are computed over. */
  int CHUNK_SIZE = 16 * 1024;

  /**
   * The track ID of {@code file}, reading it as a stream.
   *
   * @param expectedSize the size the scan saw; a file that turns out longer or shorter changed
   *     while being read and fails
   * @throws IOException when the file cannot be read or changed while being read
   */
  TrackId hash(Path file, long expectedSize) throws IOException;

  /** The standard hasher: streams the file one chunk at a time, never holding it whole. */
  static TrackHasher merkle() {
    return MerkleTrackHasher.INSTANCE;
  }
}
