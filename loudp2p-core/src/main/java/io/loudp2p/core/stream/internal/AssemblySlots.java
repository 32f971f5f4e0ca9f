package io.loudp2p.core.stream.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-chunk bookkeeping of a {@link Reassembler}: a fixed number of slots, one for each chunk
 * being assembled, each with a byte-granular bitmap of which bytes of its chunk have arrived, how
 * many have, and the first {@link Reassembler#MAX_SOURCES_PER_CHUNK} sources that sent them; and
 * a stack of the free slots.
 *
 * <p>Everything is preallocated, so taking a slot, copying a fragment in and freeing the slot
 * allocate nothing. Owned by its reassembler; not thread-safe.
 *
 * @param <S> how the caller names a source
 */
final class AssemblySlots<S> {
  /** What {@link #copyIn} returns when overlapping bytes disagreed. */
  static final int CONFLICT = -1;

  private final int wordsPerChunk;
  private final long[] bitmap;
  private final int[] chunkOf;
  private final int[] received;
  private final Object[] sources;
  private final int[] sourceCount;
  private final int[] free;
  private int freeCount;

  /** Makes {@code slots} free slots for chunks of at most {@code chunkSize} bytes. */
  AssemblySlots(int slots, int chunkSize) {
    this.wordsPerChunk = (chunkSize + 63) >>> 6;
    this.bitmap = new long[slots * wordsPerChunk];
    this.chunkOf = new int[slots];
    this.received = new int[slots];
    this.sources = new Object[slots * Reassembler.MAX_SOURCES_PER_CHUNK];
    this.sourceCount = new int[slots];
    this.free = new int[slots];
    for (int i = 0; i < slots; i++) {
      free[i] = slots - 1 - i;
    }
    this.freeCount = slots;
  }

  /** How many slots there are. */
  int slots() {
    return chunkOf.length;
  }

  /** How many slots are free. */
  int freeCount() {
    return freeCount;
  }

  /**
   * Takes a free slot for chunk {@code chunkIndex}, with no bytes and no sources yet; there must be
   * a free one.
   */
  int take(int chunkIndex) {
    int a = free[--freeCount];
    int bits = a * wordsPerChunk;
    for (int w = 0; w < wordsPerChunk; w++) {
      bitmap[bits + w] = 0;
    }
    chunkOf[a] = chunkIndex;
    received[a] = 0;
    sourceCount[a] = 0;
    return a;
  }

  /** Forgets slot {@code a}'s sources and makes it free. */
  void release(int a) {
    int first = a * Reassembler.MAX_SOURCES_PER_CHUNK;
    for (int i = 0; i < sourceCount[a]; i++) {
      sources[first + i] = null;
    }
    sourceCount[a] = 0;
    free[freeCount++] = a;
  }

  /**
   * The chunk slot {@code a} was last taken for (0 if never); a free slot keeps its last chunk, so
   * the caller checks that the chunk is still being assembled.
   */
  int chunk(int a) {
    return chunkOf[a];
  }

  /** How many distinct bytes of its chunk slot {@code a} has. */
  int received(int a) {
    return received[a];
  }

  /** Remembers that {@code source} sent a fragment of slot {@code a}'s chunk, if there is room. */
  void noteSource(int a, S source) {
    int n = sourceCount[a];
    int first = a * Reassembler.MAX_SOURCES_PER_CHUNK;
    for (int i = 0; i < n; i++) {
      if (sources[first + i].equals(source)) {
        return;
      }
    }
    if (n < Reassembler.MAX_SOURCES_PER_CHUNK) {
      sources[first + n] = source;
      sourceCount[a] = n + 1;
    }
  }

  /**
   * A new list of the sources noted for slot {@code a}, first first; allocates, so only for a
   * dropped chunk.
   */
  @SuppressWarnings("unchecked")
  List<S> sources(int a) {
    int n = sourceCount[a];
    List<S> who = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      who.add((S) sources[a * Reassembler.MAX_SOURCES_PER_CHUNK + i]);
    }
    return who;
  }

  /**
   * Copies the bytes between {@code data}'s position and limit (at least one) to {@code offset} in
   * slot {@code a}'s chunk, which starts at {@code base} in {@code slab}, marking them arrived.
   * Bytes that had arrived are compared instead of copied. {@code data}'s position and limit are
   * left unchanged.
   *
   * @return how many bytes were new, or {@link #CONFLICT} if an arrived byte differed (the bytes
   *     before it may have been stored; the slot is then to be released)
   */
  int copyIn(int a, ByteBuffer data, int offset, byte[] slab, int base) {
    int len = data.remaining();
    int pos = data.position();
    int bits = a * wordsPerChunk;
    if (!anySet(bits, offset, len)) {
      data.get(pos, slab, base + offset, len);
      setRange(bits, offset, len);
      received[a] += len;
      return len;
    }
    int fresh = 0;
    for (int i = 0; i < len; i++) {
      int at = offset + i;
      int word = bits + (at >>> 6);
      long mask = 1L << at;
      byte b = data.get(pos + i);
      if ((bitmap[word] & mask) != 0) {
        if (slab[base + at] != b) {
          return CONFLICT;
        }
      } else {
        slab[base + at] = b;
        bitmap[word] |= mask;
        fresh++;
      }
    }
    received[a] += fresh;
    return fresh;
  }

  private boolean anySet(int bits, int from, int len) {
    int last = from + len - 1;
    int w0 = from >>> 6;
    int w1 = last >>> 6;
    if (w0 == w1) {
      return (bitmap[bits + w0] & (-1L << from) & (-1L >>> (63 - (last & 63)))) != 0;
    }
    if ((bitmap[bits + w0] & (-1L << from)) != 0) {
      return true;
    }
    for (int w = w0 + 1; w < w1; w++) {
      if (bitmap[bits + w] != 0) {
        return true;
      }
    }
    return (bitmap[bits + w1] & (-1L >>> (63 - (last & 63)))) != 0;
  }

  private void setRange(int bits, int from, int len) {
    int last = from + len - 1;
    int w0 = from >>> 6;
    int w1 = last >>> 6;
    if (w0 == w1) {
      bitmap[bits + w0] |= (-1L << from) & (-1L >>> (63 - (last & 63)));
      return;
    }
    bitmap[bits + w0] |= -1L << from;
    for (int w = w0 + 1; w < w1; w++) {
      bitmap[bits + w] = -1L;
    }
    bitmap[bits + w1] |= -1L >>> (63 - (last & 63));
  }
}
