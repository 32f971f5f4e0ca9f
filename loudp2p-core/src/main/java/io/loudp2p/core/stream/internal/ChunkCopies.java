package io.loudp2p.core.stream.internal;

import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.NONE;

import java.util.Arrays;

/**
 * Which sources each chunk is requested from (at most {@link DefaultChunkScheduler#MAX_COPIES}:
 * the first request and one endgame copy), and which source last failed or timed out on it and so
 * is avoided for it. Source IDs, {@link DefaultChunkScheduler#NONE} for none. Owned by its
 * scheduler; not thread-safe.
 */
final class ChunkCopies {
  private final int[] first;
  private final int[] second;
  private final int[] avoid;
  /** Chunks requested twice now. */
  private int doubled;

  ChunkCopies(int chunks) {
    first = new int[chunks];
    second = new int[chunks];
    avoid = new int[chunks];
    Arrays.fill(first, NONE);
    Arrays.fill(second, NONE);
    Arrays.fill(avoid, NONE);
  }

  /** How many requests of {@code chunk} are in flight: 0, 1 or 2. */
  int count(int chunk) {
    return (first[chunk] == NONE ? 0 : 1) + (second[chunk] == NONE ? 0 : 1);
  }

  /** How many chunks are requested from two sources now (endgame copies in flight). */
  int doubled() {
    return doubled;
  }

  int first(int chunk) {
    return first[chunk];
  }

  int second(int chunk) {
    return second[chunk];
  }

  /** Records a request of {@code chunk} from {@code source}; there must be fewer than two. */
  void add(int chunk, int source) {
    if (first[chunk] == NONE) {
      first[chunk] = source;
    } else {
      second[chunk] = source;
      doubled++;
    }
  }

  /** Forgets the request of {@code chunk} from {@code source}, if there is one. */
  void detach(int chunk, int source) {
    if (first[chunk] == source) {
      if (second[chunk] != NONE) {
        doubled--;
      }
      first[chunk] = second[chunk];
      second[chunk] = NONE;
    } else if (second[chunk] == source) {
      second[chunk] = NONE;
      doubled--;
    }
  }

  /** Remembers that {@code source} failed or timed out on {@code chunk}. */
  void avoid(int chunk, int source) {
    avoid[chunk] = source;
  }

  /** The source last failed or timed out on {@code chunk}, or NONE. */
  int avoided(int chunk) {
    return avoid[chunk];
  }
}
