package io.loudp2p.core.catalog;

import io.loudp2p.Catalog;
import io.loudp2p.Loudp2pException;
import io.loudp2p.ScanReport;
import io.loudp2p.SearchResult;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.internal.CatalogEntry;
import io.loudp2p.core.internal.Loggers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Catalog} of audio files in local folders: scans them, identifies each file by its
 * Merkle root, indexes the metadata for search and keeps all of it in a catalog file.
 *
 * <p>Opening loads the catalog file (if any), so tracks are searchable at once; {@link #rescan()}
 * then brings it up to date, reading only files whose path, size or modification time changed.
 * Files that cannot be indexed (not audio, truncated, hostile, unreadable, symbolic link loops) are
 * skipped with one warning each and listed in the {@link ScanReport}; a scan never fails because
 * of a file. A directory whose name looks like an audio file ({@code album.mp3/}) is a directory:
 * the scan descends into it.
 *
 * <p>A catalog file that is missing, corrupt or truncated is logged and ignored: the catalog starts
 * empty and is rebuilt as folders are added. Applications therefore add their shared folders at
 * every start; adding a folder already present rescans it, and unchanged files are not read again.
 *
 * <p>Thread-safe. Scans run one at a time (the asynchronous methods on the builder's executor, the
 * {@code *Now} methods on the caller's thread). Lookups and searches never wait for a scan: they
 * read an immutable snapshot that a scan replaces as a whole when it finishes. {@link #close()}
 * stops the executor the catalog created; it does not wait for a running scan.
 */
public final class LocalCatalog implements Catalog, AutoCloseable {
  /** How deep below a folder a scan descends. */
  public static final int MAX_DEPTH = 64;

  /**
   * The most audio files (indexed or skipped) one scan considers by default; beyond it the scan
   * stops walking and reports the first file left out.
   */
  public static final int MAX_FILES_PER_SCAN = 1_000_000;

  private static final Logger log = LoggerFactory.getLogger(Loggers.CATALOG);

  private final ScanExecutor scans;
  private final CopyOnWriteArraySet<Listener> listeners = new CopyOnWriteArraySet<>();
  private final CatalogUpdater updater;
  private final CompletableFuture<ScanReport> ready;

  private LocalCatalog(Builder b) {
    this.scans = new ScanExecutor(b.executor);
    this.updater =
        new CatalogUpdater(
            b.storeFile == null ? null : new CatalogFile(b.storeFile),
            new FolderIndexer(b.hasher, b.maxFilesPerScan),
            this::notifyListeners);
    List<Path> initial = List.copyOf(b.folders);
    this.ready = initial.isEmpty() ? CompletableFuture.completedFuture(ScanReport.EMPTY)
        : scans.submit(() -> addFoldersNow(initial));
  }

  /** A builder for a catalog. */
  public static Builder builder() {
    return new Builder();
  }

  /** Where an indexed track's bytes are: a local file and its size when indexed. */
  public record LocalFile(Path path, long size) {
    /** Checks the fields. */
    public LocalFile {
      Objects.requireNonNull(path, "path");
    }
  }

  @Override
  public CompletableFuture<ScanReport> addFolder(Path folder) {
    return scans.submit(() -> addFolderNow(folder));
  }

  @Override
  public CompletableFuture<ScanReport> removeFolder(Path folder) {
    return scans.submit(() -> removeFolderNow(folder));
  }

  @Override
  public CompletableFuture<ScanReport> rescan() {
    return scans.submit(this::rescanNow);
  }

  /**
   * Completes when the folders the catalog was built with ({@link Builder#folders}) are scanned,
   * with the report of that scan; at once, with {@link ScanReport#EMPTY}, when it was built with
   * none. Until then lookups and searches answer from what the catalog file held.
   */
  @Override
  public CompletableFuture<ScanReport> ready() {
    return ready.copy();
  }

  /**
   * Adds {@code folders} and scans them together, on the calling thread: one report, one save of
   * the catalog file, one event. A folder that is missing or not a directory is skipped and
   * named in the report.
   */
  public ScanReport addFoldersNow(List<Path> folders) {
    List<Path> dirs = new ArrayList<>();
    for (Path f : folders) {
      Path dir = normalise(f);
      if (!dirs.contains(dir)) {
        dirs.add(dir);
      }
    }
    return updater.addFolders(dirs);
  }

  /**
   * Adds {@code folder} and scans it on the calling thread.
   *
   * @throws IllegalArgumentException when {@code folder} is not a directory
   */
  public ScanReport addFolderNow(Path folder) {
    Path dir = normalise(folder);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("not a directory: " + folder);
    }
    return updater.addFolders(List.of(dir));
  }

  /** Removes {@code folder} and the files found only under it, on the calling thread. */
  public ScanReport removeFolderNow(Path folder) {
    return updater.removeFolder(normalise(folder));
  }

  /** Scans every folder again on the calling thread. */
  public ScanReport rescanNow() {
    return updater.rescan();
  }

  @Override
  public List<Path> folders() {
    return updater.snapshot().folders();
  }

  @Override
  public Optional<Track> track(TrackId id) {
    CatalogEntry e = updater.snapshot().entry(id);
    return e == null ? Optional.empty() : Optional.of(e.track());
  }

  /** The file holding track {@code id} and its size, if the catalog holds it. */
  public Optional<LocalFile> fileOf(TrackId id) {
    CatalogEntry e = updater.snapshot().entry(id);
    return e == null ? Optional.empty() : Optional.of(new LocalFile(e.path(), e.size()));
  }

  /** Every track in the catalog now, in no particular order (for summaries of what it holds). */
  public List<Track> tracks() {
    return updater.snapshot().tracks();
  }

  /**
   * A page of the catalog for a listing: at most {@code limit} tracks in ascending order of their
   * IDs, of those after {@code after} (from the first when null). Pages stay consistent while the
   * catalog changes: a track added or removed between two pages is listed or not, never twice.
   */
  public List<Track> tracksAfter(@Nullable TrackId after, int limit) {
    return updater.snapshot().tracksAfter(after, limit);
  }

  @Override
  public List<SearchResult> search(String query, int limit) {
    return updater.snapshot().search(query, limit);
  }

  @Override
  public int size() {
    return updater.snapshot().size();
  }

  @Override
  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  /** Hands {@code report} to every listener; runs under the updater's scan lock. */
  private void notifyListeners(ScanReport report) {
    for (Listener l : listeners) {
      try {
        l.onCatalogChanged(report);
      } catch (RuntimeException e) {
        log.warn("Catalog listener {} failed", l, e);
      }
    }
  }

  /**
   * Stops the executor this catalog created, if any; {@link #ready()} fails CLOSED if the first
   * scan had not finished.
   */
  @Override
  public void close() {
    ready.completeExceptionally(
        new Loudp2pException(Loudp2pException.Code.CLOSED, "catalog closed before it was indexed"));
    scans.shutdown();
  }

  private static Path normalise(Path folder) {
    return folder.toAbsolutePath().normalize();
  }

  /** Builds a {@link LocalCatalog}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Path storeFile;
    private TrackHasher hasher = TrackHasher.merkle();
    private @Nullable Executor executor;
    private int maxFilesPerScan = MAX_FILES_PER_SCAN;
    private final List<Path> folders = new ArrayList<>();

    private Builder() {}

    /**
     * Scans {@code folders} on the executor as soon as the catalog is built, in one scan whose
     * report {@link LocalCatalog#ready()} completes with; none by default.
     */
    public Builder folders(List<Path> folders) {
      for (Path f : folders) {
        this.folders.add(Objects.requireNonNull(f, "folder"));
      }
      return this;
    }

    /**
     * Caps the audio files one scan considers; {@link #MAX_FILES_PER_SCAN} by default.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder maxFilesPerScan(int maxFiles) {
      if (maxFiles < 1) {
        throw new IllegalArgumentException("max files per scan must be positive, got " + maxFiles);
      }
      this.maxFilesPerScan = maxFiles;
      return this;
    }

    /** Keeps the catalog in {@code file} (loaded when built, saved after every change); none by default. */
    public Builder storeFile(Path file) {
      this.storeFile = file.toAbsolutePath();
      return this;
    }

    /** Computes track IDs with {@code hasher}; {@link TrackHasher#merkle()} by default. */
    public Builder hasher(TrackHasher hasher) {
      this.hasher = Objects.requireNonNull(hasher, "hasher");
      return this;
    }

    /**
     * Runs asynchronous scans on {@code executor}; by default on one daemon thread the catalog
     * creates and {@link LocalCatalog#close()} stops.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The catalog, with the store file's contents loaded and the scan of its folders begun. */
    public LocalCatalog build() {
      return new LocalCatalog(this);
    }
  }
}
