package io.loudp2p.core.stream.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The verified chunks of one track being played: fragments go in on transport threads, an ordered
 * {@link OrderedChunkStream} comes out on the player's thread.
 *
 * <p>Thread-safe: one lock guards a {@link Reassembler} and its {@link ChunkBufferPool}. Readers
 * block only until the bytes at their position are verified, the buffer is closed, or it failed.
 * Lifecycle: made per stream session, {@link #close()}d exactly once by its owner (further closes
 * are no-ops); closing wakes blocked readers with an {@link IOException}.
 *
 * @param <S> how the caller names a source
 */
public final class ChunkBuffer<S> implements AutoCloseable {
  /** The default number of chunks assembled at once. */
  public static final int DEFAULT_MAX_IN_ASSEMBLY = 64;

  /** The default number of 16 KiB buffers (4 MiB): the prefetch window plus what is in assembly. */
  public static final int DEFAULT_POOL_BUFFERS = 256;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Reassembler<S> reassembler;
  private final OrderedChunkStream stream;
  private boolean closed;
  private @Nullable IOException failure;
  private long position;

  /**
   * Makes a buffer for a track of {@code trackLength} bytes.
   *
   * @param trackLength the track's length in bytes
   * @param chunkSize the track's chunk size (the pool's buffer size)
   * @param poolBuffers how many chunk buffers to preallocate
   * @param maxInAssembly how many chunks may be assembled at once, at most {@code poolBuffers}
   * @param verifier checks each complete chunk
   * @param onRejected hears about chunks that failed verification or had conflicting overlaps;
   *     called with the lock held, must not call back into this buffer
   * @throws IllegalArgumentException on a bad size or count (see {@link ChunkBufferPool} and
   *     {@link Reassembler})
   */
  public ChunkBuffer(
      long trackLength,
      int chunkSize,
      int poolBuffers,
      int maxInAssembly,
      ChunkVerifier verifier,
      RejectListener<S> onRejected) {
    Objects.requireNonNull(onRejected, "onRejected");
    this.reassembler =
        new Reassembler<>(
            trackLength,
            new ChunkBufferPool(poolBuffers, chunkSize),
            maxInAssembly,
            verifier,
            new Reassembler.Listener<>() {
              @Override
              public void onChunkVerified(int index) {
                VerifiedListener l = verifiedListener;
                if (l != null) {
                  Reassembler<S> r = reassembler;
                  l.onVerified(index, r.pool().slab(), r.slabOffset(index), r.chunkLength(index));
                }
                changed.signalAll();
              }

              @Override
              public void onChunkRejected(
                  int index, Reassembler.RejectReason reason, List<S> sources) {
                onRejected.onChunkRejected(index, reason, sources);
              }
            });
    this.stream = new OrderedChunkStream(this);
  }

  /**
   * Hears about each chunk as it is verified, before any reader can release it. Called with the
   * buffer's lock held: copy what you need from {@code slab} and return at once.
   */
  @FunctionalInterface
  public interface VerifiedListener {
    void onVerified(int index, byte[] slab, int offset, int length);
  }

  private volatile @Nullable VerifiedListener verifiedListener;

  /** Sets (or with null, removes) the listener told of each verified chunk. */
  public void onVerified(@Nullable VerifiedListener listener) {
    this.verifiedListener = listener;
  }

  /** Hears about chunks that were dropped and must be fetched again. */
  @FunctionalInterface
  public interface RejectListener<S> {
    /** See {@link Reassembler.Listener#onChunkRejected}. */
    void onChunkRejected(int index, Reassembler.RejectReason reason, List<S> sources);
  }

  /** Takes one fragment; see {@link Reassembler#onFragment}. Allocates nothing. */
  public Reassembler.Outcome onFragment(S source, int chunkIndex, int offset, ByteBuffer data) {
    lock.lock();
    try {
      return reassembler.onFragment(source, chunkIndex, offset, data);
    } finally {
      lock.unlock();
    }
  }

  /** The ordered byte stream over this buffer; there is one, for one reader thread at a time. */
  public OrderedChunkStream inputStream() {
    return stream;
  }

  /** Whether chunk {@code index} is verified and held (not yet read past). */
  public boolean isVerified(int index) {
    lock.lock();
    try {
      return reassembler.isVerified(index);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The chunks verified and held ({@code verified}) and those being assembled ({@code arriving}),
   * read at one moment under one hold of the lock.
   */
  public void states(BitSet verified, BitSet arriving) {
    lock.lock();
    try {
      reassembler.states(verified, arriving);
    } finally {
      lock.unlock();
    }
  }

  /** Whether chunk {@code index} has to be fetched: neither verified nor being assembled. */
  public boolean isMissing(int index) {
    lock.lock();
    try {
      return reassembler.isMissing(index);
    } finally {
      lock.unlock();
    }
  }

  /** How many chunks the track has. */
  public int chunkCount() {
    return reassembler.chunkCount();
  }

  /** The length of chunk {@code index}. */
  public int chunkLength(int index) {
    return reassembler.chunkLength(index);
  }

  /** How many pool buffers are free now. */
  public int freeBuffers() {
    lock.lock();
    try {
      return reassembler.pool().available();
    } finally {
      lock.unlock();
    }
  }

  /** A consistent snapshot of the reassembly counters. */
  public Stats stats() {
    lock.lock();
    try {
      Reassembler<S> r = reassembler;
      return new Stats(
          r.acceptedFragments(),
          r.duplicateFragments(),
          r.malformedFragments(),
          r.refusedFragments(),
          r.unwantedFragments(),
          r.verifiedChunks(),
          r.rejectedChunks(),
          r.evictedChunks());
    } finally {
      lock.unlock();
    }
  }

  /** Counters of what happened to fragments and chunks so far; see {@link Reassembler}. */
  public record Stats(
      long acceptedFragments,
      long duplicateFragments,
      long malformedFragments,
      long refusedFragments,
      long unwantedFragments,
      long verifiedChunks,
      long rejectedChunks,
      long evictedChunks) {}

  /**
   * Fails the stream: blocked and later reads throw an {@link IOException} with {@code cause}
   * (for example: every source is gone). The first failure wins; idempotent.
   */
  public void fail(Throwable cause) {
    lock.lock();
    try {
      if (failure == null && !closed) {
        failure = new IOException("stream failed: " + cause.getMessage(), cause);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Closes the buffer: frees every chunk, wakes readers with an IOException; idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        reassembler.close();
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  // --- used by OrderedChunkStream ---

  int read(byte[] dst, int off, int len) throws IOException {
    lock.lock();
    try {
      while (true) {
        checkOpen();
        if (position >= reassembler.trackLength()) {
          return -1;
        }
        int chunk = (int) (position / reassembler.chunkSize());
        if (reassembler.isVerified(chunk)) {
          int inChunk = (int) (position - (long) chunk * reassembler.chunkSize());
          int n = Math.min(len, reassembler.chunkLength(chunk) - inChunk);
          System.arraycopy(
              reassembler.pool().slab(), reassembler.slabOffset(chunk) + inChunk, dst, off, n);
          position += n;
          if (inChunk + n == reassembler.chunkLength(chunk)) {
            reassembler.moveFirstWanted(chunk + 1);
          }
          return n;
        }
        changed.await();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for chunk data");
    } finally {
      lock.unlock();
    }
  }

  int available() throws IOException {
    lock.lock();
    try {
      checkOpen();
      if (position >= reassembler.trackLength()) {
        return 0;
      }
      int chunk = (int) (position / reassembler.chunkSize());
      if (!reassembler.isVerified(chunk)) {
        return 0;
      }
      return (int) ((long) chunk * reassembler.chunkSize() + reassembler.chunkLength(chunk)
          - position);
    } finally {
      lock.unlock();
    }
  }

  void seek(long newPosition) throws IOException {
    lock.lock();
    try {
      checkOpen();
      if (newPosition < 0 || newPosition > reassembler.trackLength()) {
        throw new IllegalArgumentException(
            "seek position must be 0.." + reassembler.trackLength() + ", got " + newPosition);
      }
      position = newPosition;
      reassembler.moveFirstWanted((int) (newPosition / reassembler.chunkSize()));
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  long position() {
    lock.lock();
    try {
      return position;
    } finally {
      lock.unlock();
    }
  }

  long length() {
    return reassembler.trackLength();
  }

  private void checkOpen() throws IOException {
    if (failure != null) {
      throw new IOException(failure.getMessage(), failure.getCause());
    }
    if (closed) {
      throw new IOException("stream closed");
    }
  }
}
