package io.loudp2p.core.content;

import io.loudp2p.TrackId;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.internal.ThrottledLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content-addressed cache of chunks of tracks being played, on disk, served to other peers.
 *
 * <p>Each track has a folder named by its track ID holding its manifest, a data file with chunk
 * {@code i} at offset {@code i * 16 KiB}, a journal of the chunks present (and of those later
 * found damaged, which are then no longer advertised, even after a restart), and when it was last
 * played. Only chunks that verify against the manifest are written; the data is flushed to disk
 * before the journal records it, so a process killed while writing loses at most the chunks in
 * flight; and every read verifies what it loads, so a chunk damaged on disk is dropped and
 * reported missing, never served. Partial tracks resume after a restart.
 *
 * <p>The cache stays within its size bound by evicting whole tracks, least recently played first,
 * except tracks held by a {@link Lease} (being played or written). When nothing can be evicted, or
 * the disk is full, a write fails with {@link CacheFullException} and nothing stored is lost.
 *
 * <p>Thread-safe.
 */
public final class ChunkCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Loggers.CACHE);
  /** For damage found chunk by chunk: a bad disk shows it in every chunk read. */
  private static final ThrottledLog throttled = new ThrottledLog(log);

  static final String MANIFEST = "manifest.pb";
  static final String DATA = "chunks.data";
  static final String JOURNAL = "present.log";
  static final String PLAYED = "played";
  private static final String TRACKS = "tracks";

  /** Bytes a track's bookkeeping is charged beyond its chunks (manifest, journal). */
  static final int TRACK_OVERHEAD = 4096;

  /** Writes to the disk; a seam so that tests can make the disk fail or fill up. */
  interface Storage {
    Storage DEFAULT = (channel, data, position) -> {
      while (data.hasRemaining()) {
        position += channel.write(data, position);
      }
    };

    void write(FileChannel channel, ByteBuffer data, long position) throws IOException;
  }

  private final Path dir;
  private final long maxBytes;
  private final Clock clock;
  private final Storage storage;
  private final Map<TrackId, CachedTrack> entries = new HashMap<>();
  private long usedBytes;
  private boolean closed;

  private ChunkCache(Path dir, long maxBytes, Clock clock, Storage storage) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.clock = clock;
    this.storage = storage;
  }

  /**
   * Opens (or creates) the cache in {@code dir}, bounded to {@code maxBytes}, and loads what a
   * previous run left there. Damaged track folders are removed with a warning.
   */
  public static ChunkCache open(Path dir, long maxBytes) throws IOException {
    return open(dir, maxBytes, Clock.systemUTC(), Storage.DEFAULT);
  }

  static ChunkCache open(Path dir, long maxBytes, Clock clock, Storage storage) throws IOException {
    if (maxBytes < Manifest.CHUNK_SIZE + TRACK_OVERHEAD) {
      throw new IllegalArgumentException("cache bound too small to hold a chunk: " + maxBytes);
    }
    ChunkCache cache = new ChunkCache(dir, maxBytes, clock, storage);
    Files.createDirectories(dir.resolve(TRACKS));
    cache.load();
    return cache;
  }

  private void load() throws IOException {
    try (DirectoryStream<Path> folders = Files.newDirectoryStream(dir.resolve(TRACKS))) {
      for (Path folder : folders) {
        TrackId id;
        try {
          id = TrackId.parse(folder.getFileName().toString());
        } catch (IllegalArgumentException e) {
          log.warn("ignoring {} in the chunk cache: not a track folder", folder);
          continue;
        }
        try {
          CachedTrack entry = CachedTrack.load(id, folder);
          entries.put(id, entry);
          usedBytes += entry.bytes();
        } catch (IOException | ManifestException | RuntimeException e) {
          log.warn("removing damaged track {} from the chunk cache: {}", id, e.toString());
          deleteFolder(folder);
        }
      }
    }
  }

  /** The folder the cache lives in. */
  public Path directory() {
    return dir;
  }

  /** The size bound, in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** The bytes held: chunks present plus a small allowance per track. */
  public synchronized long usedBytes() {
    return usedBytes;
  }

  /** The tracks the cache holds, whole or partial. */
  public synchronized Set<TrackId> tracks() {
    return new TreeSet<>(entries.keySet());
  }

  /**
   * Adds a track (its manifest) so that its chunks can be written; nothing happens when it is
   * already there.
   */
  public void put(Manifest manifest) throws IOException {
    synchronized (this) {
      checkOpen();
      if (entries.containsKey(manifest.trackId())) {
        return;
      }
      makeRoom(TRACK_OVERHEAD, manifest.trackId());
    }
    Path folder = dir.resolve(TRACKS).resolve(manifest.trackId().toString());
    Files.createDirectories(folder);
    try {
      writeAtomically(folder.resolve(MANIFEST), manifest.toProto().toByteArray());
    } catch (IOException e) {
      throw failedWrite("storing the manifest of " + manifest.trackId(), e);
    }
    CachedTrack entry = new CachedTrack(manifest, folder, new BitSet(manifest.chunkCount()), clock.millis());
    entry.writePlayed();
    synchronized (this) {
      if (entries.putIfAbsent(manifest.trackId(), entry) == null) {
        usedBytes += TRACK_OVERHEAD;
      }
    }
  }

  /** The manifest of a track the cache holds, or null. */
  public synchronized @Nullable Manifest manifest(TrackId track) {
    CachedTrack e = entries.get(track);
    return e == null ? null : e.manifest;
  }

  /** Chunk {@code index} of a track: {@code length} bytes of {@code data} from {@code offset}. */
  public record Chunk(int index, byte[] data, int offset, int length) {}

  /**
   * Writes chunk {@code index} of a track added with {@link #put}, if it verifies.
   *
   * @return false, writing nothing, when the bytes are not that chunk
   * @throws CacheFullException when the bound is reached and nothing can be evicted, or the disk
   *     is full; what was stored before is kept
   * @throws IllegalStateException when the track was not added
   */
  public boolean writeChunk(TrackId track, int index, byte[] data, int offset, int length)
      throws IOException {
    return writeChunks(track, List.of(new Chunk(index, data, offset, length))) == 1;
  }

  /**
   * Writes the chunks of a track added with {@link #put} that verify, as one batch: their bytes
   * are flushed to disk together, then recorded together (two flushes in all), so that a player
   * that takes chunks in faster than the disk flushes one at a time is kept up with.
   *
   * @return how many of {@code chunks} verified (written, or held already); the others are left
   *     out
   * @throws CacheFullException when the bound is reached and nothing can be evicted, or the disk
   *     is full; what was stored before is kept
   * @throws IllegalStateException when the track was not added
   */
  public int writeChunks(TrackId track, List<Chunk> chunks) throws IOException {
    CachedTrack entry;
    synchronized (this) {
      checkOpen();
      entry = entries.get(track);
    }
    if (entry == null) {
      throw new IllegalStateException(
          "track " + track + " is not in the cache; put its manifest first");
    }
    List<Chunk> verified = new ArrayList<>();
    for (Chunk c : chunks) {
      if (entry.manifest.verifyChunk(c.index(), c.data(), c.offset(), c.length())) {
        verified.add(c);
      }
    }
    long bytes = 0;
    List<Chunk> toWrite = new ArrayList<>();
    synchronized (this) {
      checkOpen();
      if (entries.get(track) != entry) {
        throw new IllegalStateException("track " + track + " left the cache while being written");
      }
      for (Chunk c : verified) {
        if (!entry.has(c.index())) {
          toWrite.add(c);
          bytes += c.length();
        }
      }
      if (toWrite.isEmpty()) {
        return verified.size();
      }
      entry.leases++; // not evicted while we write
      try {
        makeRoom(bytes, track);
      } catch (CacheFullException e) {
        entry.leases--;
        throw e;
      }
      usedBytes += bytes; // reserved; returned if the write fails
    }
    boolean written = false;
    try {
      entry.write(toWrite, storage);
      written = true;
      return verified.size();
    } catch (IOException e) {
      throw failedWrite("writing " + (toWrite.size() == 1 ? "chunk " + toWrite.get(0).index()
          : toWrite.size() + " chunks") + " of " + track, e);
    } finally {
      synchronized (this) {
        entry.leases--;
        if (!written) {
          usedBytes -= bytes;
        }
      }
    }
  }

  /**
   * Reads chunk {@code index} of a track into {@code dst} at {@code dstOffset}, verified.
   *
   * @return the chunk's length, or -1 when the cache does not hold it (a chunk that fails
   *     verification on disk is dropped and counts as not held)
   */
  public int readChunk(TrackId track, int index, byte[] dst, int dstOffset) throws IOException {
    CachedTrack entry;
    synchronized (this) {
      entry = entries.get(track);
      if (entry == null || closed) {
        return -1;
      }
    }
    int length = entry.read(index, dst, dstOffset);
    if (length == -2) {
      throttled.warn("chunk {} of {} in the cache is damaged; dropping it", index, track);
      synchronized (this) {
        usedBytes -= entry.manifest.chunkLength(index);
      }
      return -1;
    }
    return length;
  }

  /** Which chunks of a track the cache holds (empty when it holds none). A new copy. */
  public BitSet availability(TrackId track) {
    CachedTrack entry;
    synchronized (this) {
      entry = entries.get(track);
    }
    return entry == null ? new BitSet() : entry.present();
  }

  /** Whether the cache holds every chunk of the track. */
  public boolean isComplete(TrackId track) {
    CachedTrack entry;
    synchronized (this) {
      entry = entries.get(track);
    }
    return entry != null && entry.isComplete();
  }

  /** Records that the track was played now; eviction takes the least recently played first. */
  public void markPlayed(TrackId track) throws IOException {
    CachedTrack entry;
    synchronized (this) {
      entry = entries.get(track);
      if (entry == null) {
        return;
      }
      entry.lastPlayedMs = clock.millis();
    }
    entry.writePlayed();
  }

  /**
   * Holds a track in the cache while the lease is open (it is not evicted); for a track being
   * played or fetched. Leases of a track not in the cache hold nothing.
   */
  public synchronized Lease lease(TrackId track) {
    CachedTrack entry = entries.get(track);
    if (entry != null) {
      entry.leases++;
    }
    return new Lease(entry);
  }

  /** Removes a track and its chunks. */
  public void remove(TrackId track) throws IOException {
    CachedTrack entry;
    synchronized (this) {
      entry = entries.remove(track);
      if (entry == null) {
        return;
      }
      usedBytes -= entry.bytes();
    }
    entry.closeChannel();
    deleteFolder(entry.folder);
  }

  /** Closes the files; the cache's content stays on disk for the next {@link #open}. */
  @Override
  public void close() {
    List<CachedTrack> all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(entries.values());
    }
    for (CachedTrack e : all) {
      e.closeChannel();
    }
  }

  /** Evicts least recently played tracks, other than {@code keep} and leased ones, until
   * {@code bytes} more fit. Called with the lock held. */
  private void makeRoom(long bytes, TrackId keep) throws IOException {
    if (usedBytes + bytes <= maxBytes) {
      return;
    }
    List<CachedTrack> candidates = new ArrayList<>();
    for (CachedTrack e : entries.values()) {
      if (e.leases == 0 && !e.manifest.trackId().equals(keep)) {
        candidates.add(e);
      }
    }
    candidates.sort(Comparator.comparingLong((CachedTrack e) -> e.lastPlayedMs)
        .thenComparing(e -> e.manifest.trackId()));
    for (CachedTrack victim : candidates) {
      if (usedBytes + bytes <= maxBytes) {
        break;
      }
      log.debug("evicting {} from the chunk cache (last played {})", victim.manifest.trackId(),
          victim.lastPlayedMs);
      entries.remove(victim.manifest.trackId());
      usedBytes -= victim.bytes();
      victim.closeChannel();
      deleteFolder(victim.folder);
    }
    if (usedBytes + bytes > maxBytes) {
      throw new CacheFullException(dir, "bound of " + maxBytes + " bytes reached, " + usedBytes
          + " in use, and every other track is being played or fetched");
    }
  }

  private IOException failedWrite(String what, IOException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("No space left") || message.contains("Disk quota")) {
      return new CacheFullException(dir, "the disk is full while " + what, e);
    }
    return new IOException("chunk cache " + dir + ": failed " + what + ": " + message, e);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("chunk cache " + dir + " is closed");
    }
  }

  static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void deleteFolder(Path folder) {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(folder);
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      log.warn("could not delete {} from the chunk cache: {}", folder, e.toString());
    }
  }

  /** Releases a {@link #lease}; idempotent. */
  public final class Lease implements AutoCloseable {
    private @Nullable CachedTrack entry;

    private Lease(@Nullable CachedTrack entry) {
      this.entry = entry;
    }

    @Override
    public void close() {
      synchronized (ChunkCache.this) {
        if (entry != null) {
          entry.leases--;
          entry = null;
        }
      }
    }
  }
}
