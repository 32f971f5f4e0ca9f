package io.loudp2p;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What one scan of the catalog's folders found: files added, updated, removed, unchanged and
 * skipped (with the reason for each).
 *
 * <p>Immutable and thread-safe.
 *
 * @param added files indexed for the first time
 * @param updated files indexed again because their size or modification time changed
 * @param removed files that left the catalog (deleted, moved away, or their folder removed)
 * @param unchanged files whose path, size and modification time were unchanged, not read again
 * @param skipped files that could not be indexed, in the order met
 */
public record ScanReport(
    int added, int updated, int removed, int unchanged, List<SkippedFile> skipped) {
  /** A report of a scan that changed nothing. */
  public static final ScanReport EMPTY = new ScanReport(0, 0, 0, 0, List.of());

  /**
   * Checks the counts and copies the list.
   *
   * @throws IllegalArgumentException when a count is negative
   */
  public ScanReport {
    if (added < 0 || updated < 0 || removed < 0 || unchanged < 0) {
      throw new IllegalArgumentException(
          "scan counts must not be negative: added=" + added + " updated=" + updated
              + " removed=" + removed + " unchanged=" + unchanged);
    }
    skipped = List.copyOf(skipped);
  }

  /**
   * A file a scan left out, and why.
   *
   * @param path the file
   * @param reason a short human-readable reason, e.g. {@code "not an audio file"}
   */
  public record SkippedFile(Path path, String reason) {
    /** Checks the fields. */
    public SkippedFile {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(reason, "reason");
    }
  }
}
