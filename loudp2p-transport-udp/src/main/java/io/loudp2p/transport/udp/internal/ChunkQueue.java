package io.loudp2p.transport.udp.internal;

/**
 * A first-in first-out queue of distinct chunk indexes, each with the request sequence number it
 * answers, holding at most a fixed number of them: adding a chunk already queued only updates its
 * sequence number (it keeps its place), and adding one to a full queue is refused.
 *
 * <p>A ring of entries and an open-addressing index from chunk to ring slot, both allocated on the
 * first add and never again, so a session that never queues anything pays nothing. Not
 * thread-safe.
 */
final class ChunkQueue {
  private static final int EMPTY = -1;

  private final int capacity;
  private int[] chunks;
  private int[] seqs;
  private int[] keys;
  private int[] slots;
  private int ringMask;
  private int tableMask;
  private int head;
  private int size;

  /** @param capacity the most chunks queued at once; a power of two */
  ChunkQueue(int capacity) {
    if (capacity < 1 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
    }
    this.capacity = capacity;
  }

  /** The most chunks queued at once. */
  int capacity() {
    return capacity;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /**
   * Queues {@code chunk}, or updates the sequence number of the entry already queued for it.
   *
   * @return false when the chunk was not queued and the queue is full
   */
  boolean add(int chunk, int seq) {
    if (chunks == null) {
      chunks = new int[capacity];
      seqs = new int[capacity];
      keys = new int[2 * capacity];
      slots = new int[2 * capacity];
      java.util.Arrays.fill(slots, EMPTY);
      ringMask = capacity - 1;
      tableMask = 2 * capacity - 1;
    }
    int i = find(chunk);
    if (slots[i] != EMPTY) {
      seqs[slots[i]] = seq;
      return true;
    }
    if (size == capacity) {
      return false;
    }
    int slot = (head + size) & ringMask;
    chunks[slot] = chunk;
    seqs[slot] = seq;
    keys[i] = chunk;
    slots[i] = slot;
    size++;
    return true;
  }

  /** Whether {@code chunk} is queued. */
  boolean contains(int chunk) {
    return size > 0 && slots[find(chunk)] != EMPTY;
  }

  /** The chunk at the head; the queue must not be empty. */
  int peekChunk() {
    return chunks[head];
  }

  /** The sequence number of the chunk at the head; the queue must not be empty. */
  int peekSeq() {
    return seqs[head];
  }

  /** Removes the head; the queue must not be empty. */
  void poll() {
    remove(find(chunks[head]));
    head = (head + 1) & ringMask;
    size--;
  }

  /** Empties the queue. */
  void clear() {
    while (size > 0) {
      poll();
    }
  }

  private static int hash(int chunk) {
    int h = chunk * 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  /** The table index holding {@code chunk}, or the empty one where it would go. */
  private int find(int chunk) {
    int i = hash(chunk) & tableMask;
    while (slots[i] != EMPTY && keys[i] != chunk) {
      i = (i + 1) & tableMask;
    }
    return i;
  }

  /** Empties table index {@code i}, shifting back the entries probed past it. */
  private void remove(int i) {
    int j = i;
    while (true) {
      j = (j + 1) & tableMask;
      if (slots[j] == EMPTY) {
        break;
      }
      int home = hash(keys[j]) & tableMask;
      // The entry at j may move to i unless its home lies cyclically in (i, j].
      boolean stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!stays) {
        keys[i] = keys[j];
        slots[i] = slots[j];
        i = j;
      }
    }
    slots[i] = EMPTY;
  }
}
