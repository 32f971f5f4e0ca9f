package io.loudp2p;

import java.util.Arrays;

/**
 * Where each chunk of a track stands in a stream session at one moment, and which source sent it:
 * what a player shows to make the swarm visible (chunks played, buffered and arriving, coloured by
 * the peer they came from). A snapshot, taken by {@link StreamSession#chunks()}; immutable.
 */
public final class ChunkMap {
  /** Where one chunk stands. */
  public enum State {
    /** Not here: not requested yet, or requested with nothing of it arrived. */
    MISSING,
    /** Part of it arrived; the rest is on its way. */
    ARRIVING,
    /** Arrived, verified against the track ID, and held for the reader. */
    BUFFERED,
    /** Arrived, verified and read past. */
    PLAYED
  }

  private static final State[] STATES = State.values();
  private static final ChunkMap EMPTY = new ChunkMap(new byte[0], new int[0]);

  private final byte[] states;
  private final int[] sources;

  private ChunkMap(byte[] states, int[] sources) {
    this.states = states;
    this.sources = sources;
  }

  /**
   * A map of {@code states.length} chunks.
   *
   * @param states each chunk's state
   * @param sources for each chunk, the index in {@link StreamSession#sources()} of the source that
   *     sent it, or -1; as long as {@code states}
   * @throws IllegalArgumentException when the lengths differ or an index is below -1
   */
  public static ChunkMap of(State[] states, int[] sources) {
    if (states.length != sources.length) {
      throw new IllegalArgumentException(
          states.length + " states for " + sources.length + " sources");
    }
    byte[] s = new byte[states.length];
    for (int i = 0; i < states.length; i++) {
      if (sources[i] < -1) {
        throw new IllegalArgumentException("source index " + sources[i] + " of chunk " + i);
      }
      s[i] = (byte) states[i].ordinal();
    }
    return new ChunkMap(s, sources.clone());
  }

  /** The map of a session that keeps none: no chunks. */
  public static ChunkMap empty() {
    return EMPTY;
  }

  /** How many chunks the track has. */
  public int count() {
    return states.length;
  }

  /**
   * Where chunk {@code chunk} stands.
   *
   * @throws IndexOutOfBoundsException outside 0 to {@link #count()} - 1
   */
  public State state(int chunk) {
    return STATES[states[chunk]];
  }

  /**
   * The index in {@link StreamSession#sources()} of the source that sent chunk {@code chunk}, or
   * -1 when it has not arrived.
   *
   * @throws IndexOutOfBoundsException outside 0 to {@link #count()} - 1
   */
  public int source(int chunk) {
    return sources[chunk];
  }

  /** How many chunks are in {@code state}. */
  public int count(State state) {
    int n = 0;
    for (byte b : states) {
      if (b == state.ordinal()) {
        n++;
      }
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChunkMap other && Arrays.equals(states, other.states)
        && Arrays.equals(sources, other.sources);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(states) + Arrays.hashCode(sources);
  }

  @Override
  public String toString() {
    return "ChunkMap{" + count() + " chunks, " + count(State.PLAYED) + " played, "
        + count(State.BUFFERED) + " buffered, " + count(State.ARRIVING) + " arriving}";
  }
}
