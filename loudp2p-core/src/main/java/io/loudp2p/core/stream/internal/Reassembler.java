package io.loudp2p.core.stream.internal;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * Turns chunk fragments ({@code chunkIndex, offset, bytes}) from any number of sources into
 * complete, verified chunks held in a {@link ChunkBufferPool}.
 *
 * <p>Each fragment's bytes are copied once, straight into the chunk's pool buffer. Which bytes of
 * a chunk have arrived is tracked in a byte-granular bitmap preallocated for each of at most
 * {@code maxInAssembly} chunks being assembled at once (their {@link AssemblySlots}), so
 * duplicates and overlapping fragments are recognised without allocating. Overlapping bytes must equal what already arrived; if they do
 * not, the chunk is dropped as suspect and reported with its sources so it is fetched again. A
 * complete chunk is passed to the {@link ChunkVerifier}; one that fails is dropped and reported
 * with the sources that sent its fragments.
 *
 * <p>Memory is bounded: when {@code maxInAssembly} chunks are being assembled or the pool is
 * empty, a fragment of a new chunk is refused and counted ({@link #refusedFragments()}), except a
 * fragment of the first wanted chunk (the one a reader waits for), which evicts the furthest chunk
 * to make room so that prefetching can never starve playback.
 *
 * <p>The hot path neither allocates nor throws: bad fragments come from remote peers and are
 * answered with an {@link Outcome}. Not thread-safe; {@link ChunkBuffer} wraps it with a lock.
 *
 * @param <S> how the caller names a source (a peer ID, an address)
 */
public final class Reassembler<S> {
  /** The largest number of chunks that may be assembled at once. */
  public static final int MAX_IN_ASSEMBLY = 1024;

  /** How many distinct sources are remembered per chunk for reporting a bad chunk. */
  public static final int MAX_SOURCES_PER_CHUNK = 4;

  /** What became of one fragment. */
  public enum Outcome {
    /** New bytes were stored; the chunk is still incomplete. */
    ACCEPTED,
    /** The fragment completed its chunk, which passed verification. */
    COMPLETED,
    /** Every byte had already arrived (and matched). */
    DUPLICATE,
    /** The chunk is already verified, behind the read position, or the reassembler is closed. */
    NOT_WANTED,
    /** Index, offset or length outside the chunk; the fragment was ignored. */
    MALFORMED,
    /** No room for another chunk in assembly; the fragment was ignored. */
    REFUSED,
    /** Overlapping bytes disagreed: the chunk was dropped and reported. */
    CONFLICT,
    /** The chunk was complete but failed verification: it was dropped and reported. */
    VERIFICATION_FAILED
  }

  /** Why a chunk was dropped. */
  public enum RejectReason {
    /** Complete but the verifier refused it. */
    VERIFICATION_FAILED,
    /** Two fragments carried different bytes for the same position. */
    CONFLICTING_OVERLAP
  }

  /**
   * Hears about chunks as they complete or fail; called on the thread that delivered the fragment,
   * inside {@link #onFragment}, and must not call back into the reassembler.
   */
  public interface Listener<S> {
    /** Chunk {@code index} is complete and verified. */
    void onChunkVerified(int index);

    /**
     * Chunk {@code index} was dropped and must be fetched again; {@code sources} sent its
     * fragments (at most {@link #MAX_SOURCES_PER_CHUNK}, first first).
     */
    void onChunkRejected(int index, RejectReason reason, List<S> sources);
  }

  private static final byte MISSING = 0;
  private static final byte ASSEMBLING = 1;
  private static final byte VERIFIED = 2;

  private final long trackLength;
  private final int chunkSize;
  private final int chunkCount;
  private final ChunkBufferPool pool;
  private final ChunkVerifier verifier;
  private final Listener<S> listener;

  // Per chunk of the track.
  private final byte[] state;
  private final int[] bufferOf;
  private final int[] assemblyOf;

  // The chunks being assembled.
  private final AssemblySlots<S> slots;

  private int firstWanted;
  private boolean closed;

  private long acceptedFragments;
  private long duplicateFragments;
  private long malformedFragments;
  private long refusedFragments;
  private long unwantedFragments;
  private long verifiedChunks;
  private long rejectedChunks;
  private long evictedChunks;

  /**
   * Makes a reassembler for a track of {@code trackLength} bytes cut into chunks of the pool's
   * buffer size.
   *
   * @throws IllegalArgumentException if the length is negative or needs more than {@link
   *     Integer#MAX_VALUE} chunks, or {@code maxInAssembly} is not 1..{@link #MAX_IN_ASSEMBLY} or
   *     exceeds the pool's capacity
   */
  public Reassembler(
      long trackLength,
      ChunkBufferPool pool,
      int maxInAssembly,
      ChunkVerifier verifier,
      Listener<S> listener) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.chunkSize = pool.bufferSize();
    if (trackLength < 0) {
      throw new IllegalArgumentException("track length must not be negative, got " + trackLength);
    }
    long chunks = (trackLength + chunkSize - 1) / chunkSize;
    if (chunks > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a track of " + trackLength + " bytes has too many chunks of " + chunkSize + " bytes");
    }
    if (maxInAssembly < 1 || maxInAssembly > MAX_IN_ASSEMBLY) {
      throw new IllegalArgumentException(
          "maxInAssembly must be 1.." + MAX_IN_ASSEMBLY + ", got " + maxInAssembly);
    }
    if (maxInAssembly > pool.capacity()) {
      throw new IllegalArgumentException(
          "maxInAssembly " + maxInAssembly + " exceeds the pool's " + pool.capacity()
              + " buffers");
    }
    this.trackLength = trackLength;
    this.chunkCount = (int) chunks;
    this.state = new byte[chunkCount];
    this.bufferOf = new int[chunkCount];
    this.assemblyOf = new int[chunkCount];
    this.slots = new AssemblySlots<>(maxInAssembly, chunkSize);
  }

  /**
   * Takes one fragment: the bytes between {@code data}'s position and limit belong at {@code
   * offset} in chunk {@code chunkIndex}. {@code data}'s position and limit are left unchanged.
   */
  public Outcome onFragment(S source, int chunkIndex, int offset, ByteBuffer data) {
    int len = data.remaining();
    if (chunkIndex < 0 || chunkIndex >= chunkCount || offset < 0 || len <= 0
        || offset > chunkLength(chunkIndex) - len) {
      malformedFragments++;
      return Outcome.MALFORMED;
    }
    if (closed || chunkIndex < firstWanted || state[chunkIndex] == VERIFIED) {
      unwantedFragments++;
      return Outcome.NOT_WANTED;
    }
    int a;
    if (state[chunkIndex] == MISSING) {
      a = begin(chunkIndex);
      if (a < 0) {
        refusedFragments++;
        return Outcome.REFUSED;
      }
    } else {
      a = assemblyOf[chunkIndex];
    }
    slots.noteSource(a, source);
    byte[] slab = pool.slab();
    int base = pool.offset(bufferOf[chunkIndex]);
    int fresh = slots.copyIn(a, data, offset, slab, base);
    if (fresh == AssemblySlots.CONFLICT) {
      reject(chunkIndex, a, RejectReason.CONFLICTING_OVERLAP);
      return Outcome.CONFLICT;
    }
    if (fresh == 0) {
      duplicateFragments++;
      return Outcome.DUPLICATE;
    }
    acceptedFragments++;
    int length = chunkLength(chunkIndex);
    if (slots.received(a) < length) {
      return Outcome.ACCEPTED;
    }
    if (!verifier.verify(chunkIndex, slab, base, length)) {
      reject(chunkIndex, a, RejectReason.VERIFICATION_FAILED);
      return Outcome.VERIFICATION_FAILED;
    }
    slots.release(a);
    state[chunkIndex] = VERIFIED;
    verifiedChunks++;
    listener.onChunkVerified(chunkIndex);
    return Outcome.COMPLETED;
  }

  private int begin(int chunkIndex) {
    if (slots.freeCount() == 0 && chunkIndex == firstWanted) {
      evictFurthestAssembling();
    }
    if (slots.freeCount() == 0) {
      return -1;
    }
    int buffer = pool.acquire();
    if (buffer < 0 && chunkIndex == firstWanted && evictFurthestVerified()) {
      buffer = pool.acquire();
    }
    if (buffer < 0) {
      return -1;
    }
    int a = slots.take(chunkIndex);
    state[chunkIndex] = ASSEMBLING;
    bufferOf[chunkIndex] = buffer;
    assemblyOf[chunkIndex] = a;
    return a;
  }

  private void reject(int chunkIndex, int a, RejectReason reason) {
    List<S> who = slots.sources(a);
    slots.release(a);
    pool.release(bufferOf[chunkIndex]);
    state[chunkIndex] = MISSING;
    rejectedChunks++;
    listener.onChunkRejected(chunkIndex, reason, List.copyOf(who));
  }

  private void evictFurthestAssembling() {
    int victim = -1;
    for (int a = 0; a < slots.slots(); a++) {
      int c = slots.chunk(a);
      if (c > victim && c > firstWanted && state[c] == ASSEMBLING) {
        victim = c;
      }
    }
    if (victim >= 0) {
      drop(victim);
      evictedChunks++;
    }
  }

  private boolean evictFurthestVerified() {
    for (int c = chunkCount - 1; c > firstWanted; c--) {
      if (state[c] == VERIFIED) {
        drop(c);
        evictedChunks++;
        return true;
      }
    }
    return false;
  }

  private void drop(int chunkIndex) {
    if (state[chunkIndex] == ASSEMBLING) {
      slots.release(assemblyOf[chunkIndex]);
    }
    if (state[chunkIndex] != MISSING) {
      pool.release(bufferOf[chunkIndex]);
      state[chunkIndex] = MISSING;
    }
  }

  /**
   * Moves the first wanted chunk: chunks before {@code chunkIndex} are dropped (their buffers go
   * back to the pool) and their fragments are no longer wanted. Moving backwards (a seek back)
   * makes earlier chunks wanted again.
   *
   * @throws IllegalArgumentException if {@code chunkIndex} is outside 0..{@link #chunkCount()}
   */
  public void moveFirstWanted(int chunkIndex) {
    if (chunkIndex < 0 || chunkIndex > chunkCount) {
      throw new IllegalArgumentException(
          "chunk index must be 0.." + chunkCount + ", got " + chunkIndex);
    }
    for (int c = firstWanted; c < chunkIndex; c++) {
      drop(c);
    }
    firstWanted = chunkIndex;
  }

  /** Drops every chunk and refuses all further fragments; idempotent. */
  public void close() {
    if (!closed) {
      closed = true;
      for (int c = 0; c < chunkCount; c++) {
        drop(c);
      }
    }
  }

  /** Whether chunk {@code index} is complete, verified and still held. */
  public boolean isVerified(int index) {
    return state[index] == VERIFIED;
  }

  /**
   * Sets in {@code verified} the chunks verified and held, and in {@code arriving} those being
   * assembled, all in one pass.
   */
  public void states(BitSet verified, BitSet arriving) {
    for (int i = 0; i < state.length; i++) {
      if (state[i] == VERIFIED) {
        verified.set(i);
      } else if (state[i] == ASSEMBLING) {
        arriving.set(i);
      }
    }
  }

  /** Whether chunk {@code index} is neither verified nor being assembled. */
  public boolean isMissing(int index) {
    return state[index] == MISSING;
  }

  /**
   * Where verified chunk {@code index} starts in the pool's slab.
   *
   * @throws IllegalStateException if the chunk is not verified
   */
  public int slabOffset(int index) {
    if (state[index] != VERIFIED) {
      throw new IllegalStateException("chunk " + index + " is not verified");
    }
    return pool.offset(bufferOf[index]);
  }

  /** The length of chunk {@code index} (the last chunk may be short). */
  public int chunkLength(int index) {
    long start = (long) index * chunkSize;
    return (int) Math.min(chunkSize, trackLength - start);
  }

  /** The pool the chunks live in. */
  public ChunkBufferPool pool() {
    return pool;
  }

  /** The track length in bytes. */
  public long trackLength() {
    return trackLength;
  }

  /** The chunk size in bytes. */
  public int chunkSize() {
    return chunkSize;
  }

  /** How many chunks the track has. */
  public int chunkCount() {
    return chunkCount;
  }

  /** The first chunk whose fragments are wanted. */
  public int firstWanted() {
    return firstWanted;
  }

  /** How many chunks are being assembled now. */
  public int inAssembly() {
    return slots.slots() - slots.freeCount();
  }

  /** Fragments that brought new bytes. */
  public long acceptedFragments() {
    return acceptedFragments;
  }

  /** Fragments whose bytes had all arrived before. */
  public long duplicateFragments() {
    return duplicateFragments;
  }

  /** Fragments with an index, offset or length outside their chunk. */
  public long malformedFragments() {
    return malformedFragments;
  }

  /** Fragments of new chunks refused for lack of room. */
  public long refusedFragments() {
    return refusedFragments;
  }

  /** Fragments of verified or passed chunks, or after close. */
  public long unwantedFragments() {
    return unwantedFragments;
  }

  /** Chunks completed and verified. */
  public long verifiedChunks() {
    return verifiedChunks;
  }

  /** Chunks dropped for failing verification or conflicting overlaps. */
  public long rejectedChunks() {
    return rejectedChunks;
  }

  /** Chunks dropped to make room for the first wanted chunk. */
  public long evictedChunks() {
    return evictedChunks;
  }
}
