package io.loudp2p.examples;

import io.loudp2p.TrackId;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The chunk cache {@code stream} keeps in a hidden folder beside a file it downloads when no
 * {@code --cache} is given: the chunks a run fetched and verified stay there when it is killed or
 * fails, and the next run of the same command reads them from disk (checked again as they are
 * read) and asks the network only for the rest. Once the file is whole and under its name, the
 * track leaves the cache, and the folder goes once nothing else is in it.
 *
 * <p>One run at a time uses the folder: a lock file inside it is held from {@link #open} to {@link
 * #close}, and a second run into the same folder meanwhile downloads without one. Its content is
 * read through a {@link ChunkCache} only while no peer has it open, before the peer starts and
 * after it closed. Not thread-safe.
 */
final class PartialCache implements AutoCloseable {
  /** The hidden folder, in the folder the file is written to. */
  static final String FOLDER = ".loudp2p-partial";
  /** Enough for the largest track there is: a partial track is never evicted for its own chunks. */
  static final long MAX_BYTES = Manifest.MAX_TRACK_BYTES + (1L << 20);
  /** Where a peer keeps its chunk cache inside its cache folder, beside its catalog file. */
  private static final String CHUNKS = "chunks";
  private static final String CATALOG = "catalog.bin";
  private static final String LOCK = "lock";
  /** The chunk cache's folder of tracks, left empty when its last track is removed. */
  private static final String TRACKS = "tracks";

  private final Path dir;
  private final FileChannel lock;
  private final Map<TrackId, Held> before;

  /** Chunks of a track held, of how many it has. */
  record Held(int chunks, int of) {
    static final Held NONE = new Held(0, 0);

    /** {@code 5,012 of 16,385 chunks}. */
    String text() {
      return String.format(Locale.ROOT, "%,d of %,d %s", chunks, of, of == 1 ? "chunk" : "chunks");
    }
  }

  private PartialCache(Path dir, FileChannel lock, Map<TrackId, Held> before) {
    this.dir = dir;
    this.lock = lock;
    this.before = before;
  }

  /**
   * Takes the partial cache of {@code folder} and reads what earlier runs left in it; null when
   * another run holds it.
   *
   * @throws IOException when it cannot be made or read
   */
  static @Nullable PartialCache open(Path folder) throws IOException {
    Path dir = folder.resolve(FOLDER);
    Files.createDirectories(dir);
    FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    try {
      FileLock held;
      try {
        held = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        held = null; // another run of this process
      }
      if (held == null) {
        channel.close();
        return null;
      }
      return new PartialCache(dir, channel, read(dir));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** The cache folder to give the peer. */
  Path directory() {
    return dir;
  }

  /** What of {@code track} the cache held when it was opened. */
  Held before(TrackId track) {
    return before.getOrDefault(track, Held.NONE);
  }

  /** What of {@code track} the cache holds now; call only once the peer closed. */
  Held now(TrackId track) {
    try {
      return read(dir).getOrDefault(track, Held.NONE);
    } catch (IOException | RuntimeException e) {
      return Held.NONE;
    }
  }

  /**
   * Removes {@code track}, read whole; call only once the peer closed. A cache that cannot be
   * changed keeps it: the next run of the track reads it from disk.
   */
  void remove(TrackId track) {
    if (!Files.isDirectory(dir.resolve(CHUNKS))) {
      return;
    }
    try (ChunkCache cache = ChunkCache.open(dir.resolve(CHUNKS), MAX_BYTES)) {
      cache.remove(track);
    } catch (IOException | RuntimeException e) {
      // kept
    }
  }

  /**
   * Removes the tracks that hold no chunk (a run that stopped before its first), and the folder
   * when no track is left in it; then lets the folder go to the next run.
   */
  @Override
  public void close() {
    try {
      boolean empty = true;
      if (Files.isDirectory(dir.resolve(CHUNKS))) {
        try (ChunkCache cache = ChunkCache.open(dir.resolve(CHUNKS), MAX_BYTES)) {
          for (TrackId t : cache.tracks()) {
            if (cache.availability(t).isEmpty()) {
              cache.remove(t);
            } else {
              empty = false;
            }
          }
        }
      }
      if (empty) {
        deleteIfEmpty(dir.resolve(CHUNKS).resolve(TRACKS));
        deleteIfEmpty(dir.resolve(CHUNKS));
        if (!Files.exists(dir.resolve(CHUNKS))) {
          Files.deleteIfExists(dir.resolve(CATALOG));
          Files.deleteIfExists(dir.resolve(LOCK));
          deleteIfEmpty(dir);
        }
      }
    } catch (IOException | RuntimeException e) {
      // what is left is tidied by the next run
    } finally {
      try {
        lock.close(); // releases the lock
      } catch (IOException e) {
        // released as the process ends
      }
    }
  }

  private static void deleteIfEmpty(Path folder) throws IOException {
    try {
      Files.deleteIfExists(folder);
    } catch (DirectoryNotEmptyException e) {
      // something else is in it: kept
    }
  }

  /** The tracks in the cache of {@code dir}, and what it holds of each. */
  private static Map<TrackId, Held> read(Path dir) throws IOException {
    Map<TrackId, Held> held = new HashMap<>();
    if (!Files.isDirectory(dir.resolve(CHUNKS))) {
      return held;
    }
    try (ChunkCache cache = ChunkCache.open(dir.resolve(CHUNKS), MAX_BYTES)) {
      for (TrackId t : cache.tracks()) {
        Manifest m = cache.manifest(t);
        if (m != null) {
          held.put(t, new Held(cache.availability(t).cardinality(), m.chunkCount()));
        }
      }
    }
    return held;
  }
}
