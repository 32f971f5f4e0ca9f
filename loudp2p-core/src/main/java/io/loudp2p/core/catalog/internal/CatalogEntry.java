package io.loudp2p.core.catalog.internal;

import io.loudp2p.Track;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One indexed file: where it is, the size and modification time it had when read, and its track.
 *
 * <p>Immutable and thread-safe.
 *
 * @param path the absolute, normalised path
 * @param size the size in bytes when read
 * @param modifiedNs the modification time when read, in nanoseconds since the epoch
 * @param track the track read from the file
 */
public record CatalogEntry(Path path, long size, long modifiedNs, Track track) {
  /** Checks the fields. */
  public CatalogEntry {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(track, "track");
  }

  /** Whether the file still has the size and modification time it had when read. */
  public boolean unchanged(long size, long modifiedNs) {
    return this.size == size && this.modifiedNs == modifiedNs;
  }
}
