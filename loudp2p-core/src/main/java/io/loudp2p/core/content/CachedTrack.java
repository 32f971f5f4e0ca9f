package io.loudp2p.core.content;

import io.loudp2p.TrackId;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.internal.ThrottledLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One track in the {@link ChunkCache}: its manifest, the folder of its files, which chunks it holds
 * (from its journal) and when it was last played. Its own lock guards its files and bitmap; its
 * lease count is guarded by the cache's lock.
 */
final class CachedTrack {
  private static final Logger log = LoggerFactory.getLogger(Loggers.CACHE);
  /** For journal writes that fail chunk by chunk, as they do on a full or failing disk. */
  private static final ThrottledLog throttled = new ThrottledLog(log);

  final Manifest manifest;
  final Path folder;
  private final BitSet present;
  long lastPlayedMs;
  int leases; // guarded by the cache's lock
  private @Nullable FileChannel data;
  private @Nullable FileChannel journal;
  /** Where the next journal record goes: always a multiple of 4, past the last whole record. */
  private long journalEnd;

  CachedTrack(Manifest manifest, Path folder, BitSet present, long lastPlayedMs) {
    this.manifest = manifest;
    this.folder = folder;
    this.present = present;
    this.lastPlayedMs = lastPlayedMs;
  }

  static CachedTrack load(TrackId id, Path folder) throws IOException, ManifestException {
    byte[] raw = Files.readAllBytes(folder.resolve(ChunkCache.MANIFEST));
    Manifest manifest = Manifest.fromProto(io.loudp2p.core.proto.v1.Manifest.parseFrom(raw), id);
    BitSet present = new BitSet(manifest.chunkCount());
    Path journalFile = folder.resolve(ChunkCache.JOURNAL);
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
    Path playedFile = folder.resolve(ChunkCache.PLAYED);
    if (Files.exists(playedFile)) {
      byte[] p = Files.readAllBytes(playedFile);
      if (p.length == 8) {
        played = ByteBuffer.wrap(p).getLong();
      }
    }
    CachedTrack entry = new CachedTrack(manifest, folder, present, played);
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
    long total = ChunkCache.TRACK_OVERHEAD;
    for (int i = present.nextSetBit(0); i >= 0; i = present.nextSetBit(i + 1)) {
      total += manifest.chunkLength(i);
    }
    return total;
  }

  /**
   * Writes the chunks not held yet, then records them: the data of all of them reaches the disk
   * (one flush) before the journal records any, and the journal is flushed once after, so that a
   * batch costs two flushes, not two a chunk. A crash loses at most the batch, and never leaves a
   * chunk recorded whose bytes were not written.
   */
  synchronized void write(List<ChunkCache.Chunk> chunks, ChunkCache.Storage storage)
      throws IOException {
    BitSet writing = new BitSet();
    List<ChunkCache.Chunk> fresh = new ArrayList<>();
    for (ChunkCache.Chunk c : chunks) {
      if (!present.get(c.index()) && !writing.get(c.index())) {
        writing.set(c.index());
        fresh.add(c);
      }
    }
    if (fresh.isEmpty()) {
      return;
    }
    FileChannel d = dataChannel();
    for (ChunkCache.Chunk c : fresh) {
      storage.write(d, ByteBuffer.wrap(c.data(), c.offset(), c.length()),
          manifest.chunkOffset(c.index()));
    }
    d.force(false);
    // Only now are the chunks recorded: a crash before this leaves them unrecorded, not corrupt.
    ByteBuffer records = ByteBuffer.allocate(4 * fresh.size());
    for (ChunkCache.Chunk c : fresh) {
      records.putInt(c.index());
    }
    records.flip();
    FileChannel j = journalChannel();
    storage.write(j, records, journalEnd);
    j.force(false);
    journalEnd += 4L * fresh.size();
    present.or(writing);
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
      ChunkCache.Storage.DEFAULT.write(j, ByteBuffer.allocate(4).putInt(0, ~index), journalEnd);
      j.force(false);
      journalEnd += 4;
    } catch (IOException e) {
      throttled.warn("cannot record that chunk {} is damaged: {}", index, e.toString());
    }
  }

  void writePlayed() throws IOException {
    ChunkCache.writeAtomically(folder.resolve(ChunkCache.PLAYED),
        ByteBuffer.allocate(8).putLong(0, lastPlayedMs).array());
  }

  private FileChannel dataChannel() throws IOException {
    if (data == null) {
      data = FileChannel.open(folder.resolve(ChunkCache.DATA), StandardOpenOption.CREATE,
          StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
    return data;
  }

  private FileChannel journalChannel() throws IOException {
    if (journal == null) {
      journal = FileChannel.open(folder.resolve(ChunkCache.JOURNAL), StandardOpenOption.CREATE,
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
