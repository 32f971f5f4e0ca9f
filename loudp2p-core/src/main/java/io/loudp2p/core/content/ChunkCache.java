package io.loudp2p.core.content;

import io.loudp2p.TrackId;
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
  private static final Logger log = LoggerFactory.getLogger(ChunkCache.class);

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
  private final Map<TrackId, Entry> entries = new HashMap<>();
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
          Entry entry = Entry.load(id, folder);
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
    Entry entry = new Entry(manifest, folder, new BitSet(manifest.chunkCount()), clock.millis());
    entry.writePlayed();
    synchronized (this) {
      if (entries.putIfAbsent(manifest.trackId(), entry) == null) {
        usedBytes += TRACK_OVERHEAD;
      }
    }
  }

  /** The manifest of a track the cache holds, or null. */
  public synchronized @Nullable Manifest manifest(TrackId track) {
    Entry e = entries.get(track);
    return e == null ? null : e.manifest;
  }

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
    Entry entry;
    synchronized (this) {
      checkOpen();
      entry = entries.get(track);
    }
    if (entry == null) {
      throw new IllegalStateException("track " + track + " is not in the cache; put its manifest first");
    }
    if (!entry.manifest.verifyChunk(index, data, offset, length)) {
      return false;
    }
    synchronized (this) {
      checkOpen();
      if (entries.get(track) != entry) {
        throw new IllegalStateException("track " + track + " left the cache while being written");
      }
      if (entry.has(index)) {
        return true;
      }
      entry.leases++; // not evicted while we write
      try {
        makeRoom(length, track);
      } catch (CacheFullException e) {
        entry.leases--;
        throw e;
      }
      usedBytes += length; // reserved; returned if the write fails
    }
    boolean written = false;
    try {
      entry.write(index, data, offset, length, storage);
      written = true;
      return true;
    } catch (IOException e) {
      throw failedWrite("writing chunk " + index + " of " + track, e);
    } finally {
      synchronized (this) {
        entry.leases--;
        if (!written) {
          usedBytes -= length;
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
    Entry entry;
    synchronized (this) {
      entry = entries.get(track);
      if (entry == null || closed) {
        return -1;
      }
    }
    int length = entry.read(index, dst, dstOffset);
    if (length == -2) {
      log.warn("chunk {} of {} in the cache is damaged; dropping it", index, track);
      synchronized (this) {
        usedBytes -= entry.manifest.chunkLength(index);
      }
      return -1;
    }
    return length;
  }

  /** Which chunks of a track the cache holds (empty when it holds none). A new copy. */
  public BitSet availability(TrackId track) {
    Entry entry;
    synchronized (this) {
      entry = entries.get(track);
    }
    return entry == null ? new BitSet() : entry.present();
  }

  /** Whether the cache holds every chunk of the track. */
  public boolean isComplete(TrackId track) {
    Entry entry;
    synchronized (this) {
      entry = entries.get(track);
    }
    return entry != null && entry.isComplete();
  }

  /** Records that the track was played now; eviction takes the least recently played first. */
  public void markPlayed(TrackId track) throws IOException {
    Entry entry;
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
    Entry entry = entries.get(track);
    if (entry != null) {
      entry.leases++;
    }
    return new Lease(entry);
  }

  /** Removes a track and its chunks. */
  public void remove(TrackId track) throws IOException {
    Entry entry;
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
    List<Entry> all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(entries.values());
    }
    for (Entry e : all) {
      e.closeChannel();
    }
  }

  /** Evicts least recently played tracks, other than {@code keep} and leased ones, until
   * {@code bytes} more fit. Called with the lock held. */
  private void makeRoom(long bytes, TrackId keep) throws IOException {
    if (usedBytes + bytes <= maxBytes) {
      return;
    }
    List<Entry> candidates = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.leases == 0 && !e.manifest.trackId().equals(keep)) {
        candidates.add(e);
      }
    }
    candidates.sort(Comparator.comparingLong((Entry e) -> e.lastPlayedMs)
        .thenComparing(e -> e.manifest.trackId()));
    for (Entry victim : candidates) {
      if (usedBytes + bytes <= maxBytes) {
        break;
      }
      log.info("evicting {} from the chunk cache (last played {})", victim.manifest.trackId(),
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
    private @Nullable Entry entry;

    private Lease(@Nullable Entry entry) {
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

  /** One track's files and state. Its own lock guards its files and bitmap. */
  private static final class Entry {
    final Manifest manifest;
    final Path folder;
    private final BitSet present;
    long lastPlayedMs;
    int leases; // guarded by the cache's lock
    private @Nullable FileChannel data;
    private @Nullable FileChannel journal;
    /** Where the next journal record goes: always a multiple of 4, past the last whole record. */
    private long journalEnd;

    Entry(Manifest manifest, Path folder, BitSet present, long lastPlayedMs) {
      this.manifest = manifest;
      this.folder = folder;
      this.present = present;
      this.lastPlayedMs = lastPlayedMs;
    }

    static Entry load(TrackId id, Path folder) throws IOException, ManifestException {
      byte[] raw = Files.readAllBytes(folder.resolve(MANIFEST));
      Manifest manifest = Manifest.fromProto(io.loudp2p.core.proto.v1.Manifest.parseFrom(raw), id);
      BitSet present = new BitSet(manifest.chunkCount());
      Path journalFile = folder.resolve(JOURNAL);
      if (Files.exists(journalFile)) {
        ByteBuffer log = ByteBuffer.wrap(Files.readAllBytes(journalFile));
        while (log.remaining() >= 4) { // a torn last record (fewer than 4 bytes) is ignored
          int index = log.getInt();
          if (index >= 0 && index < manifest.chunkCount()) {
            present.set(index);
          } else if (index < 0 && ~index < manifest.chunkCount()) {
            present.clear(~index); // found damaged after it was written
          }
        }
      }
      long journalEnd = Files.exists(journalFile) ? (Files.size(journalFile) / 4) * 4 : 0;
      long played = 0;
      Path playedFile = folder.resolve(PLAYED);
      if (Files.exists(playedFile)) {
        byte[] p = Files.readAllBytes(playedFile);
        if (p.length == 8) {
          played = ByteBuffer.wrap(p).getLong();
        }
      }
      Entry entry = new Entry(manifest, folder, present, played);
      entry.journalEnd = journalEnd;
      return entry;
    }

    synchronized boolean has(int index) {
      return present.get(index);
    }

    synchronized BitSet present() {
      return (BitSet) present.clone();
    }

    synchronized boolean isComplete() {
      return present.cardinality() == manifest.chunkCount();
    }

    /** Chunk bytes held plus the track's allowance. */
    synchronized long bytes() {
      long total = TRACK_OVERHEAD;
      for (int i = present.nextSetBit(0); i >= 0; i = present.nextSetBit(i + 1)) {
        total += manifest.chunkLength(i);
      }
      return total;
    }

    synchronized void write(int index, byte[] bytes, int offset, int length, Storage storage)
        throws IOException {
      if (present.get(index)) {
        return;
      }
      FileChannel d = dataChannel();
      storage.write(d, ByteBuffer.wrap(bytes, offset, length), manifest.chunkOffset(index));
      d.force(false);
      // Only now is the chunk recorded: a crash before this line leaves it unrecorded, not corrupt.
      FileChannel j = journalChannel();
      storage.write(j, ByteBuffer.allocate(4).putInt(0, index), journalEnd);
      j.force(false);
      journalEnd += 4;
      present.set(index);
    }

    /** The chunk's length, -1 when not held, -2 when held but damaged (then dropped). */
    synchronized int read(int index, byte[] dst, int dstOffset) throws IOException {
      if (index < 0 || index >= manifest.chunkCount() || !present.get(index)) {
        return -1;
      }
      int length = manifest.chunkLength(index);
      ByteBuffer buf = ByteBuffer.wrap(dst, dstOffset, length);
      FileChannel d = dataChannel();
      long position = manifest.chunkOffset(index);
      while (buf.hasRemaining()) {
        int n = d.read(buf, position);
        if (n < 0) {
          break;
        }
        position += n;
      }
      if (buf.hasRemaining() || !manifest.verifyChunk(index, dst, dstOffset, length)) {
        present.clear(index);
        forget(index);
        return -2;
      }
      return length;
    }

    /**
     * Records in the journal that a chunk was found damaged ({@code ~index}, a negative record), so
     * that it is not advertised again after a restart. Best effort: without the record, the chunk
     * is found damaged again on its next read.
     */
    private void forget(int index) {
      try {
        FileChannel j = journalChannel();
        Storage.DEFAULT.write(j, ByteBuffer.allocate(4).putInt(0, ~index), journalEnd);
        j.force(false);
        journalEnd += 4;
      } catch (IOException e) {
        log.warn("cannot record that chunk {} is damaged: {}", index, e.toString());
      }
    }

    void writePlayed() throws IOException {
      writeAtomically(folder.resolve(PLAYED), ByteBuffer.allocate(8).putLong(0, lastPlayedMs).array());
    }

    private FileChannel dataChannel() throws IOException {
      if (data == null) {
        data = FileChannel.open(folder.resolve(DATA), StandardOpenOption.CREATE,
            StandardOpenOption.READ, StandardOpenOption.WRITE);
      }
      return data;
    }

    private FileChannel journalChannel() throws IOException {
      if (journal == null) {
        journal = FileChannel.open(folder.resolve(JOURNAL), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
      }
      return journal;
    }

    synchronized void closeChannel() {
      for (FileChannel ch : new FileChannel[] {data, journal}) {
        if (ch != null) {
          try {
            ch.close();
          } catch (IOException e) {
            log.debug("closing a cache file", e);
          }
        }
      }
      data = null;
      journal = null;
    }
  }
}
