package io.loudp2p.core.stream.internal;

import java.util.BitSet;
import org.jspecify.annotations.Nullable;

/**
 * How many live sources hold each chunk of a track: a count per chunk for the sources that said
 * which chunks they hold, and one count for those that hold them all. Owned by one scheduler; not
 * thread-safe.
 */
final class ChunkHolders {
  private final int[] holders;
  private int allHolders;

  ChunkHolders(int chunkCount) {
    this.holders = new int[chunkCount];
  }

  /** A source joined that holds the chunks set in {@code have} (null: every chunk). */
  void add(@Nullable BitSet have) {
    change(have, 1);
  }

  /** A source left that held the chunks set in {@code have} (null: every chunk). */
  void remove(@Nullable BitSet have) {
    change(have, -1);
  }

  private void change(@Nullable BitSet have, int by) {
    if (have == null) {
      allHolders += by;
    } else {
      for (int c = have.nextSetBit(0); c >= 0; c = have.nextSetBit(c + 1)) {
        holders[c] += by;
      }
    }
  }

  /** Live sources that hold {@code chunk}. */
  int count(int chunk) {
    return holders[chunk] + allHolders;
  }
}
