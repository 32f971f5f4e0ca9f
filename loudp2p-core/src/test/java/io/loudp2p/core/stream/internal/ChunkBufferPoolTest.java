package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkBufferPoolTest {
  @Test
  void handsOutEveryBufferOnceThenRunsDry() {
    ChunkBufferPool pool = new ChunkBufferPool(3, 64);
    int a = pool.acquire();
    int b = pool.acquire();
    int c = pool.acquire();
    assertThat(new int[] {a, b, c}).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(pool.acquire()).isEqualTo(-1);
    assertThat(pool.available()).isZero();
    pool.release(b);
    assertThat(pool.acquire()).isEqualTo(b);
    assertThat(pool.offset(2)).isEqualTo(128);
    assertThat(pool.slab()).hasSize(3 * 64);
  }

  @Test
  void refusesDoubleRelease() {
    ChunkBufferPool pool = new ChunkBufferPool(2, 64);
    int slot = pool.acquire();
    pool.release(slot);
    assertThatThrownBy(() -> pool.release(slot))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not in use");
    assertThatThrownBy(() -> pool.release(99)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void enforcesItsLimits() {
    assertThatThrownBy(() -> new ChunkBufferPool(0, 64))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one buffer");
    assertThatThrownBy(() -> new ChunkBufferPool(1, ChunkBufferPool.MAX_BUFFER_SIZE + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("buffer size");
    int most = (int) (ChunkBufferPool.MAX_POOL_BYTES / ChunkBufferPool.DEFAULT_BUFFER_SIZE);
    assertThatThrownBy(() -> new ChunkBufferPool(most + 1, ChunkBufferPool.DEFAULT_BUFFER_SIZE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds");
    assertThat(new ChunkBufferPool(1, ChunkBufferPool.MAX_BUFFER_SIZE).bufferSize())
        .isEqualTo(ChunkBufferPool.MAX_BUFFER_SIZE);
  }
}
