package io.loudp2p.core.catalog;

import io.loudp2p.ScanReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Owns the catalog's current {@link CatalogSnapshot} and changes it one change at a time: adds,
 * removes and rescans folders through the {@link FolderIndexer}, publishes the snapshot each change
 * leads to, saves it to the {@link CatalogFile} (if any) and hands the change's report on.
 *
 * <p>Thread-safe. Changes run on the calling thread and wait for one another on the scan lock;
 * the report is handed on before the lock is released, so reports arrive in the order of the
 * changes. {@link #snapshot()} never waits: it returns the last snapshot published.
 */
final class CatalogUpdater {
  private final @Nullable CatalogFile file;
  private final FolderIndexer indexer;
  private final Consumer<ScanReport> onChange;
  private final ReentrantLock scanLock = new ReentrantLock();
  private volatile CatalogSnapshot snapshot;

  /**
   * Starts from what {@code file} holds (empty without one).
   *
   * @param onChange called with the report of every change, on the changing thread, under the
   *     scan lock
   */
  CatalogUpdater(@Nullable CatalogFile file, FolderIndexer indexer, Consumer<ScanReport> onChange) {
    this.file = file;
    this.indexer = indexer;
    this.onChange = onChange;
    this.snapshot = file == null ? CatalogSnapshot.EMPTY : file.load();
  }

  /** The last snapshot published. */
  CatalogSnapshot snapshot() {
    return snapshot;
  }

  /**
   * Adds the folders of {@code dirs} not yet in the catalog and scans all of {@code dirs} (absolute
   * and normalised), in one change.
   */
  ScanReport addFolders(List<Path> dirs) {
    scanLock.lock();
    try {
      List<Path> all = new ArrayList<>(snapshot.folders());
      for (Path dir : dirs) {
        if (!all.contains(dir)) {
          all.add(dir);
        }
      }
      return reported(publish(indexer.scan(snapshot, dirs, all)));
    } finally {
      scanLock.unlock();
    }
  }

  /**
   * Removes {@code dir} (absolute and normalised) and the files found only under it; {@link
   * ScanReport#EMPTY}, with no change and no report handed on, when it is not a folder of the
   * catalog.
   */
  ScanReport removeFolder(Path dir) {
    scanLock.lock();
    try {
      CatalogSnapshot current = snapshot;
      if (!current.folders().contains(dir)) {
        return ScanReport.EMPTY;
      }
      List<Path> folders = new ArrayList<>(current.folders());
      folders.remove(dir);
      return reported(publish(indexer.retain(current, folders)));
    } finally {
      scanLock.unlock();
    }
  }

  /** Scans every folder again. */
  ScanReport rescan() {
    scanLock.lock();
    try {
      List<Path> folders = snapshot.folders();
      return reported(publish(indexer.scan(snapshot, folders, folders)));
    } finally {
      scanLock.unlock();
    }
  }

  private ScanReport publish(FolderIndexer.Result result) {
    snapshot = result.next();
    if (file != null) {
      file.save(result.next());
    }
    return result.report();
  }

  private ScanReport reported(ScanReport report) {
    onChange.accept(report);
    return report;
  }
}
