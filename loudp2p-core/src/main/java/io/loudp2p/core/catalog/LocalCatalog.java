package io.loudp2p.core.catalog;

import io.loudp2p.Catalog;
import io.loudp2p.Loudp2pException;
import io.loudp2p.ScanReport;
import io.loudp2p.ScanReport.SkippedFile;
import io.loudp2p.SearchResult;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.catalog.internal.AudioProbe;
import io.loudp2p.core.catalog.internal.CatalogEntry;
import io.loudp2p.core.catalog.internal.CatalogStore;
import io.loudp2p.core.catalog.internal.SearchIndex;
import io.loudp2p.core.catalog.internal.UnreadableFileException;
import io.loudp2p.core.internal.ApiErrors;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
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

  private static final Logger log = LoggerFactory.getLogger(LocalCatalog.class);

  private final @Nullable Path storeFile;
  private final TrackHasher hasher;
  private final int maxFilesPerScan;
  private final Executor executor;
  private final @Nullable ExecutorService ownedExecutor;
  private final ReentrantLock scanLock = new ReentrantLock();
  private volatile Snapshot snapshot;
  private final CopyOnWriteArraySet<Listener> listeners = new CopyOnWriteArraySet<>();
  private final CompletableFuture<ScanReport> ready;

  private LocalCatalog(Builder b) {
    this.storeFile = b.storeFile;
    this.hasher = b.hasher;
    this.maxFilesPerScan = b.maxFilesPerScan;
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownedExecutor = null;
    } else {
      ExecutorService own =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "loudp2p-catalog-scan");
                t.setDaemon(true);
                return t;
              });
      this.executor = own;
      this.ownedExecutor = own;
    }
    Snapshot loaded = Snapshot.EMPTY;
    if (storeFile != null) {
      Optional<CatalogStore.Contents> contents = CatalogStore.load(storeFile);
      if (contents.isPresent()) {
        Map<Path, CatalogEntry> byPath = new HashMap<>();
        for (CatalogEntry e : contents.get().entries()) {
          byPath.put(e.path(), e);
        }
        loaded = Snapshot.of(contents.get().folders(), byPath);
      }
    }
    this.snapshot = loaded;
    List<Path> initial = List.copyOf(b.folders);
    this.ready = initial.isEmpty() ? CompletableFuture.completedFuture(ScanReport.EMPTY)
        : async(() -> addFoldersNow(initial));
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
    return async(() -> addFolderNow(folder));
  }

  @Override
  public CompletableFuture<ScanReport> removeFolder(Path folder) {
    return async(() -> removeFolderNow(folder));
  }

  @Override
  public CompletableFuture<ScanReport> rescan() {
    return async(this::rescanNow);
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
    scanLock.lock();
    try {
      List<Path> all = new ArrayList<>(snapshot.folders);
      for (Path dir : dirs) {
        if (!all.contains(dir)) {
          all.add(dir);
        }
      }
      return notifyListeners(scan(dirs, all));
    } finally {
      scanLock.unlock();
    }
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
    scanLock.lock();
    try {
      List<Path> folders = new ArrayList<>(snapshot.folders);
      if (!folders.contains(dir)) {
        folders.add(dir);
      }
      return notifyListeners(scan(List.of(dir), folders));
    } finally {
      scanLock.unlock();
    }
  }

  /** Removes {@code folder} and the files found only under it, on the calling thread. */
  public ScanReport removeFolderNow(Path folder) {
    Path dir = normalise(folder);
    scanLock.lock();
    try {
      Snapshot current = snapshot;
      if (!current.folders.contains(dir)) {
        return ScanReport.EMPTY;
      }
      List<Path> folders = new ArrayList<>(current.folders);
      folders.remove(dir);
      Map<Path, CatalogEntry> kept = new HashMap<>();
      int removed = 0;
      for (CatalogEntry e : current.byPath.values()) {
        if (under(e.path(), folders)) {
          kept.put(e.path(), e);
        } else {
          removed++;
        }
      }
      publish(Snapshot.of(folders, kept));
      return notifyListeners(new ScanReport(0, 0, removed, 0, List.of()));
    } finally {
      scanLock.unlock();
    }
  }

  /** Scans every folder again on the calling thread. */
  public ScanReport rescanNow() {
    scanLock.lock();
    try {
      List<Path> folders = snapshot.folders;
      return notifyListeners(scan(folders, folders));
    } finally {
      scanLock.unlock();
    }
  }

  @Override
  public List<Path> folders() {
    return snapshot.folders;
  }

  @Override
  public Optional<Track> track(TrackId id) {
    CatalogEntry e = snapshot.byId.get(id);
    return e == null ? Optional.empty() : Optional.of(e.track());
  }

  /** The file holding track {@code id} and its size, if the catalog holds it. */
  public Optional<LocalFile> fileOf(TrackId id) {
    CatalogEntry e = snapshot.byId.get(id);
    return e == null ? Optional.empty() : Optional.of(new LocalFile(e.path(), e.size()));
  }

  /** Every track in the catalog now, in no particular order (for summaries of what it holds). */
  public List<Track> tracks() {
    List<Track> out = new ArrayList<>();
    for (CatalogEntry e : snapshot.byId.values()) {
      out.add(e.track());
    }
    return out;
  }

  @Override
  public List<SearchResult> search(String query, int limit) {
    return snapshot.index.search(query, limit);
  }

  @Override
  public int size() {
    return snapshot.byId.size();
  }

  @Override
  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  private ScanReport notifyListeners(ScanReport report) {
    for (Listener l : listeners) {
      try {
        l.onCatalogChanged(report);
      } catch (RuntimeException e) {
        log.warn("Catalog listener {} failed", l, e);
      }
    }
    return report;
  }

  /**
   * Stops the executor this catalog created, if any; {@link #ready()} fails CLOSED if the first
   * scan had not finished.
   */
  @Override
  public void close() {
    ready.completeExceptionally(
        new Loudp2pException(Loudp2pException.Code.CLOSED, "catalog closed before it was indexed"));
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  /** Runs {@code work} on the executor; its future fails with the API's exception only. */
  private CompletableFuture<ScanReport> async(Supplier<ScanReport> work) {
    CompletableFuture<ScanReport> running;
    try {
      running = CompletableFuture.supplyAsync(work, executor);
    } catch (RejectedExecutionException e) {
      running = CompletableFuture.failedFuture(e); // closed
    }
    return ApiErrors.mapped(running, () -> false);
  }

  private ScanReport scan(List<Path> toScan, List<Path> folders) {
    Snapshot before = snapshot;
    Walk walk = new Walk(maxFilesPerScan);
    for (Path folder : toScan) {
      walk.folder(folder);
    }
    Map<Path, CatalogEntry> after = new HashMap<>();
    for (CatalogEntry e : before.byPath.values()) {
      if (!under(e.path(), toScan) && under(e.path(), folders)) {
        after.put(e.path(), e);
      }
    }
    int added = 0;
    int updated = 0;
    int unchanged = 0;
    for (Map.Entry<Path, Seen> candidate : walk.files.entrySet()) {
      Path file = candidate.getKey();
      long size = candidate.getValue().size();
      long modifiedNs = candidate.getValue().modifiedNs();
      CatalogEntry old = before.byPath.get(file);
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
    for (Path path : before.byPath.keySet()) {
      if (!after.containsKey(path)) {
        removed++;
      }
    }
    publish(Snapshot.of(folders, after));
    return new ScanReport(added, updated, removed, unchanged, walk.skipped);
  }

  private void publish(Snapshot next) {
    snapshot = next;
    if (storeFile != null) {
      List<CatalogEntry> entries = new ArrayList<>(next.byPath.values());
      entries.sort(Comparator.comparing(CatalogEntry::path));
      try {
        CatalogStore.save(storeFile, new CatalogStore.Contents(next.folders, entries));
      } catch (IOException e) {
        log.warn("Cannot save the catalog to {}: {}", storeFile, e.toString());
      }
    }
  }

  private static boolean under(Path path, List<Path> folders) {
    for (Path folder : folders) {
      if (path.startsWith(folder)) {
        return true;
      }
    }
    return false;
  }

  private static Path normalise(Path folder) {
    return folder.toAbsolutePath().normalize();
  }

  /** A file's size and modification time as the walk saw them. */
  private record Seen(long size, long modifiedNs) {}

  /** Collects the audio files under folders, and what was skipped on the way. */
  private static final class Walk {
    final Map<Path, Seen> files = new LinkedHashMap<>();
    final List<SkippedFile> skipped = new ArrayList<>();
    private final Set<Path> skippedPaths = new HashSet<>();
    private final int maxFiles;
    private boolean full;

    Walk(int maxFiles) {
      this.maxFiles = maxFiles;
    }

    void folder(Path folder) {
      if (full) {
        return;
      }
      if (!Files.isDirectory(folder)) {
        skip(folder, "folder is missing or not a directory");
        return;
      }
      try {
        Files.walkFileTree(
            folder,
            EnumSet.of(FileVisitOption.FOLLOW_LINKS),
            MAX_DEPTH,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isDirectory()) {
                  return FileVisitResult.CONTINUE;
                }
                String name = file.getFileName() == null ? "" : file.getFileName().toString();
                if (AudioProbe.Format.ofFileName(name).isEmpty()) {
                  return FileVisitResult.CONTINUE;
                }
                Path path = file.toAbsolutePath().normalize();
                if (files.size() + skipped.size() >= maxFiles) {
                  full = true;
                  skip(path, "scan stopped: more than " + maxFiles + " audio files");
                  return FileVisitResult.TERMINATE;
                }
                if (!attrs.isRegularFile()) {
                  skip(path, "not a regular file (device, pipe or broken link)");
                  return FileVisitResult.CONTINUE;
                }
                files.putIfAbsent(
                    path, new Seen(attrs.size(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFileFailed(Path file, IOException e) {
                Path path = file.toAbsolutePath().normalize();
                if (e instanceof FileSystemLoopException) {
                  skip(path, "symbolic link loop");
                } else if (e instanceof AccessDeniedException) {
                  skip(path, "permission denied");
                } else {
                  skip(path, "cannot read: " + e.getMessage());
                }
                return FileVisitResult.CONTINUE;
              }
            });
      } catch (IOException e) {
        skip(folder, "cannot walk folder: " + e.getMessage());
      }
    }

    void skip(Path path, String reason) {
      if (!skippedPaths.add(path)) {
        return;
      }
      log.warn("Skipping {}: {}", path, reason);
      skipped.add(new SkippedFile(path, reason));
    }
  }

  /** An immutable view of the catalog that readers use without locks. */
  private static final class Snapshot {
    static final Snapshot EMPTY = new Snapshot(List.of(), Map.of(), Map.of(), SearchIndex.of(List.of()));

    final List<Path> folders;
    final Map<Path, CatalogEntry> byPath;
    final Map<TrackId, CatalogEntry> byId;
    final SearchIndex index;

    private Snapshot(
        List<Path> folders,
        Map<Path, CatalogEntry> byPath,
        Map<TrackId, CatalogEntry> byId,
        SearchIndex index) {
      this.folders = folders;
      this.byPath = byPath;
      this.byId = byId;
      this.index = index;
    }

    static Snapshot of(List<Path> folders, Map<Path, CatalogEntry> byPath) {
      List<CatalogEntry> sorted = new ArrayList<>(byPath.values());
      sorted.sort(Comparator.comparing(CatalogEntry::path));
      Map<TrackId, CatalogEntry> byId = new HashMap<>();
      for (CatalogEntry e : sorted) {
        byId.putIfAbsent(e.track().id(), e);
      }
      List<Track> tracks = new ArrayList<>(byId.size());
      for (CatalogEntry e : byId.values()) {
        tracks.add(e.track());
      }
      return new Snapshot(
          List.copyOf(folders), Map.copyOf(byPath), Map.copyOf(byId), SearchIndex.of(tracks));
    }
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
