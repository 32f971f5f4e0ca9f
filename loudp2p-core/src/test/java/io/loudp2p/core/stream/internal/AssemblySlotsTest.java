package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class AssemblySlotsTest {
  private static final int CHUNK = 200;

  private static ByteBuffer bytes(int from, int count) {
    byte[] b = new byte[count];
    for (int i = 0; i < count; i++) {
      b[i] = (byte) (from + i);
    }
    return ByteBuffer.wrap(b);
  }

  @Test
  void countsNewBytesAcrossBitmapWordsAndComparesOverlaps() {
    AssemblySlots<String> slots = new AssemblySlots<>(2, CHUNK);
    byte[] slab = new byte[CHUNK];
    int a = slots.take(7);
    assertThat(slots.chunk(a)).isEqualTo(7);
    assertThat(slots.freeCount()).isEqualTo(1);
    assertThat(slots.copyIn(a, bytes(10, 100), 10, slab, 0)).isEqualTo(100);
    assertThat(slots.copyIn(a, bytes(10, 100), 10, slab, 0)).isZero();
    assertThat(slots.copyIn(a, bytes(60, 140), 60, slab, 0)).isEqualTo(90);
    assertThat(slots.copyIn(a, bytes(0, 20), 0, slab, 0)).isEqualTo(10);
    assertThat(slots.received(a)).isEqualTo(CHUNK);
    assertThat(slots.copyIn(a, bytes(1, 5), 50, slab, 0)).isEqualTo(AssemblySlots.CONFLICT);
    assertThat(slab[199]).isEqualTo((byte) 199);
  }

  @Test
  void remembersTheFirstDistinctSourcesAndForgetsThemOnRelease() {
    AssemblySlots<String> slots = new AssemblySlots<>(1, CHUNK);
    int a = slots.take(0);
    for (String s : new String[] {"a", "b", "a", "c", "d", "e", "f"}) {
      slots.noteSource(a, s);
    }
    assertThat(slots.sources(a)).containsExactly("a", "b", "c", "d");
    slots.release(a);
    assertThat(slots.freeCount()).isEqualTo(1);
    int again = slots.take(3);
    assertThat(again).isEqualTo(a);
    assertThat(slots.sources(again)).isEmpty();
    assertThat(slots.received(again)).isZero();
    assertThat(slots.copyIn(again, bytes(0, 64), 0, new byte[CHUNK], 0)).isEqualTo(64);
  }
}
