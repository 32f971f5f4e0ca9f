package io.loudp2p.core.catalog;

import io.loudp2p.ScanReport;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.catalog.internal.AudioProbe;
import io.loudp2p.core.catalog.internal.CatalogEntry;
import io.loudp2p.core.catalog.internal.UnreadableFileException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Works out what the catalog holds after a change of its folders: walks the folders to scan,
 * reads the metadata and track ID of every new or changed file, keeps the entries of unchanged
 * files without reading them, and drops the entries no folder covers any more.
 *
 * <p>A file that cannot be indexed is skipped with its reason, never failing the scan. Holds no
 * mutable state; the {@link TrackHasher} it calls must be thread-safe.
 */
final class FolderIndexer {
  /** The snapshot a change leads to, and its report. */
  record Result(CatalogSnapshot next, ScanReport report) {}

  private final TrackHasher hasher;
  private final int maxFilesPerScan;

  FolderIndexer(TrackHasher hasher, int maxFilesPerScan) {
    this.hasher = hasher;
    this.maxFilesPerScan = maxFilesPerScan;
  }

  /**
   * Scans {@code toScan} against {@code before}; the result holds {@code folders}, the entries
   * found under {@code toScan} and the entries of {@code before} under the other folders.
   */
  Result scan(CatalogSnapshot before, List<Path> toScan, List<Path> folders) {
    FolderWalk walk = new FolderWalk(maxFilesPerScan);
    for (Path folder : toScan) {
      walk.folder(folder);
    }
    Map<Path, CatalogEntry> after = new HashMap<>();
    for (CatalogEntry e : before.byPath().values()) {
      if (!under(e.path(), toScan) && under(e.path(), folders)) {
        after.put(e.path(), e);
      }
    }
    int added = 0;
    int updated = 0;
    int unchanged = 0;
    for (Map.Entry<Path, FolderWalk.Seen> candidate : walk.files().entrySet()) {
      Path file = candidate.getKey();
      long size = candidate.getValue().size();
      long modifiedNs = candidate.getValue().modifiedNs();
      CatalogEntry old = before.byPath().get(file);
      if (old != null && old.unchanged(size, modifiedNs)) {
        after.put(file, old);
        unchanged++;
        continue;
      }
      try {
        TrackInfo info = AudioProbe.probe(file, size);
        TrackId id = hasher.hash(file, size);
        after.put(file, new CatalogEntry(file, size, modifiedNs, new Track(id, size, info)));
        if (old == null) {
          added++;
        } else {
          updated++;
        }
      } catch (UnreadableFileException e) {
        walk.skip(file, e.getMessage());
      } catch (AccessDeniedException e) {
        walk.skip(file, "permission denied");
      } catch (NoSuchFileException e) {
        walk.skip(file, "vanished during the scan");
      } catch (IOException | RuntimeException e) {
        walk.skip(file, "cannot read: " + e.getMessage());
      }
    }
    int removed = 0;
    for (Path path : before.byPath().keySet()) {
      if (!after.containsKey(path)) {
        removed++;
      }
    }
    return new Result(
        CatalogSnapshot.of(folders, after),
        new ScanReport(added, updated, removed, unchanged, walk.skipped()));
  }

  /**
   * Keeps the entries of {@code before} under {@code folders}, reading no file; the report counts
   * the entries dropped.
   */
  Result retain(CatalogSnapshot before, List<Path> folders) {
    Map<Path, CatalogEntry> kept = new HashMap<>();
    int removed = 0;
    for (CatalogEntry e : before.byPath().values()) {
      if (under(e.path(), folders)) {
        kept.put(e.path(), e);
      } else {
        removed++;
      }
    }
    return new Result(
        CatalogSnapshot.of(folders, kept), new ScanReport(0, 0, removed, 0, List.of()));
  }

  private static boolean under(Path path, List<Path> folders) {
    for (Path folder : folders) {
      if (path.startsWith(folder)) {
        return true;
      }
    }
    return false;
  }
}
