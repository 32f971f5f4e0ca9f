package io.loudp2p.core.stream.internal;

/**
 * A fixed set of equal-sized chunk buffers carved out of one preallocated array.
 *
 * <p>A buffer is named by its slot number; its bytes are {@code slab()[offset(slot), offset(slot)
 * + bufferSize())}. Acquiring and releasing allocate nothing. Not thread-safe: its owner guards it.
 */
public final class ChunkBufferPool {
  /** The default buffer size: one 16 KiB chunk. */
  public static final int DEFAULT_BUFFER_SIZE = 16 * 1024;

  /** The largest buffer size. */
  public static final int MAX_BUFFER_SIZE = 1 << 20;

  /** The largest number of bytes one pool may hold (256 MiB). */
  public static final long MAX_POOL_BYTES = 256L << 20;

  private final byte[] slab;
  private final int bufferSize;
  private final int[] free;
  private final boolean[] inUse;
  private int freeCount;

  /**
   * Makes a pool of {@code buffers} buffers of {@code bufferSize} bytes each.
   *
   * @throws IllegalArgumentException if either is not positive or the pool would exceed {@link
   *     #MAX_POOL_BYTES} or the buffer size {@link #MAX_BUFFER_SIZE}
   */
  public ChunkBufferPool(int buffers, int bufferSize) {
    if (buffers < 1) {
      throw new IllegalArgumentException("a pool needs at least one buffer, got " + buffers);
    }
    if (bufferSize < 1 || bufferSize > MAX_BUFFER_SIZE) {
      throw new IllegalArgumentException(
          "buffer size must be 1.." + MAX_BUFFER_SIZE + ", got " + bufferSize);
    }
    if ((long) buffers * bufferSize > MAX_POOL_BYTES) {
      throw new IllegalArgumentException(
          "a pool of " + buffers + " x " + bufferSize + " bytes exceeds " + MAX_POOL_BYTES
              + " bytes");
    }
    this.slab = new byte[buffers * bufferSize];
    this.bufferSize = bufferSize;
    this.free = new int[buffers];
    this.inUse = new boolean[buffers];
    for (int i = 0; i < buffers; i++) {
      free[i] = buffers - 1 - i;
    }
    this.freeCount = buffers;
  }

  /** Takes a free buffer, or returns {@code -1} when all are in use. */
  public int acquire() {
    if (freeCount == 0) {
      return -1;
    }
    int slot = free[--freeCount];
    inUse[slot] = true;
    return slot;
  }

  /**
   * Gives a buffer back.
   *
   * @throws IllegalStateException if the slot is not in use (a double release is a bug)
   */
  public void release(int slot) {
    if (slot < 0 || slot >= inUse.length || !inUse[slot]) {
      throw new IllegalStateException("buffer slot " + slot + " is not in use");
    }
    inUse[slot] = false;
    free[freeCount++] = slot;
  }

  /** The array all buffers live in. */
  public byte[] slab() {
    return slab;
  }

  /** Where buffer {@code slot} starts in {@link #slab()}. */
  public int offset(int slot) {
    return slot * bufferSize;
  }

  /** The size of each buffer. */
  public int bufferSize() {
    return bufferSize;
  }

  /** How many buffers the pool has. */
  public int capacity() {
    return inUse.length;
  }

  /** How many buffers are free. */
  public int available() {
    return freeCount;
  }
}
