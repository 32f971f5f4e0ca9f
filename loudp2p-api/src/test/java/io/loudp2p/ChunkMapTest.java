package io.loudp2p;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.ChunkMap.State;
import org.junit.jupiter.api.Test;

class ChunkMapTest {
  @Test
  void aMapTellsEachChunksStateAndSourceAndCountsThem() {
    State[] states = {State.PLAYED, State.BUFFERED, State.ARRIVING, State.MISSING};
    int[] sources = {1, 0, -1, -1};
    ChunkMap map = ChunkMap.of(states, sources);
    sources[0] = 7; // copied in

    assertThat(map.count()).isEqualTo(4);
    assertThat(map.state(0)).isEqualTo(State.PLAYED);
    assertThat(map.source(0)).isEqualTo(1);
    assertThat(map.state(3)).isEqualTo(State.MISSING);
    assertThat(map.count(State.ARRIVING)).isEqualTo(1);
    assertThat(map).isEqualTo(ChunkMap.of(states, new int[] {1, 0, -1, -1}));
    assertThat(ChunkMap.empty().count()).isZero();
  }

  @Test
  void mismatchedLengthsAndBadSourcesAreRefused() {
    assertThatThrownBy(() -> ChunkMap.of(new State[2], new int[1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChunkMap.of(new State[] {State.MISSING}, new int[] {-2}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
