package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkQueueTest {
  @Test
  void keepsOrderCoalescesAndRefusesBeyondItsCapacity() {
    ChunkQueue q = new ChunkQueue(4);
    assertThat(q.isEmpty()).isTrue();
    assertThat(q.add(7, 1)).isTrue();
    assertThat(q.add(3, 2)).isTrue();
    assertThat(q.add(7, 5)).isTrue(); // coalesced: keeps its place, takes the new sequence
    assertThat(q.size()).isEqualTo(2);
    assertThat(q.add(Integer.MAX_VALUE, 3)).isTrue();
    assertThat(q.add(0, 4)).isTrue();
    assertThat(q.add(9, 6)).as("full").isFalse();
    assertThat(q.add(3, 8)).as("already queued").isTrue();
    assertThat(q.peekChunk()).isEqualTo(7);
    assertThat(q.peekSeq()).isEqualTo(5);
    q.poll();
    assertThat(q.contains(7)).isFalse();
    assertThat(q.peekChunk()).isEqualTo(3);
    assertThat(q.peekSeq()).isEqualTo(8);
    assertThat(q.add(9, 6)).isTrue();
    q.clear();
    assertThat(q.isEmpty()).isTrue();
    assertThat(q.contains(3)).isFalse();
  }

  @Test
  void agreesWithASimpleModelUnderRandomUse() {
    Random random = new Random(42);
    ChunkQueue q = new ChunkQueue(64);
    ArrayDeque<Integer> order = new ArrayDeque<>();
    Map<Integer, Integer> seqs = new HashMap<>();
    for (int step = 0; step < 200_000; step++) {
      if (random.nextInt(3) > 0) {
        int chunk = random.nextInt(300) * (random.nextBoolean() ? 1 : 1 << 16);
        int seq = random.nextInt();
        boolean added = q.add(chunk, seq);
        if (seqs.containsKey(chunk)) {
          assertThat(added).isTrue();
          seqs.put(chunk, seq);
        } else if (order.size() < 64) {
          assertThat(added).isTrue();
          order.add(chunk);
          seqs.put(chunk, seq);
        } else {
          assertThat(added).isFalse();
        }
      } else if (!order.isEmpty()) {
        int chunk = order.poll();
        assertThat(q.peekChunk()).isEqualTo(chunk);
        assertThat(q.peekSeq()).isEqualTo(seqs.remove(chunk));
        q.poll();
      }
      assertThat(q.size()).isEqualTo(order.size());
    }
    for (int chunk : order) {
      assertThat(q.contains(chunk)).isTrue();
    }
  }

  @Test
  void wantsAPowerOfTwo() {
    assertThatThrownBy(() -> new ChunkQueue(100)).isInstanceOf(IllegalArgumentException.class);
  }
}
