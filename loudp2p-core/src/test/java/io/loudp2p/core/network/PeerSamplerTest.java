package io.loudp2p.core.network;

import static io.loudp2p.core.network.Records.NOW;
import static io.loudp2p.core.network.Records.full;
import static io.loudp2p.core.network.Records.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.PeerId;
import io.loudp2p.core.network.PeerSampler.Admission;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerSamplerTest {
  private final PeerId self = id(0);
  private final PeerSampler view = new PeerSampler(self, 20, new Random(1));

  @Test
  void higherSequenceReplacesOlderSoAMovedPeerIsFoundAtItsNewAddress() {
    assertThat(view.offer(full(1, 10, 0, 1, 5), id(1), NOW)).isEqualTo(Admission.ADDED);
    assertThat(view.offer(full(1, 10, 0, 1, 4), id(9), NOW)).isEqualTo(Admission.UNCHANGED);
    assertThat(view.offer(full(1, 20, 0, 1, 6), id(9), NOW)).isEqualTo(Admission.REPLACED);
    assertThat(view.get(id(1)).record().getEndpoints(0).getIp().byteAt(0)).isEqualTo((byte) 20);
  }

  @Test
  void refusesSelfLightExpiredAndFutureRecords() {
    assertThat(view.offer(full(0), id(0), NOW)).isEqualTo(Admission.REFUSED);
    assertThat(view.offer(Records.record(2, new byte[] {10, 0, 2, 1}, 1,
        io.loudp2p.core.proto.v1.Role.ROLE_LIGHT, NOW + 1000), id(2), NOW)).isEqualTo(Admission.REFUSED);
    assertThat(view.offer(Records.record(3, new byte[] {10, 0, 3, 1}, 1,
        io.loudp2p.core.proto.v1.Role.ROLE_FULL, NOW - 1), id(3), NOW)).isEqualTo(Admission.REFUSED);
    assertThat(view.offer(Records.record(4, new byte[] {10, 0, 4, 1}, 1,
        io.loudp2p.core.proto.v1.Role.ROLE_FULL, NOW + PeerSampler.MAX_RECORD_AHEAD_MS + 1), id(4),
        NOW)).isEqualTo(Admission.REFUSED);
    assertThat(view.size()).isZero();
  }

  @Test
  void oneSourceCannotFillTheView() {
    PeerId attacker = id(999);
    int added = 0;
    for (int i = 1; i <= 20; i++) {
      if (view.offer(full(i), attacker, NOW) == Admission.ADDED) {
        added++;
      }
    }
    assertThat(added).isEqualTo(PeerSampler.MAX_PER_SOURCE);
  }

  @Test
  void oneAddressBlockCannotFillTheView() {
    int added = 0;
    for (int i = 1; i <= 20; i++) {
      // All in 192.0.2.0/24, each offered by itself.
      if (view.offer(full(i, 192, 0, 2, 1), id(i), NOW) == Admission.ADDED) {
        added++;
      }
    }
    assertThat(added).isEqualTo(PeerSampler.MAX_PER_BLOCK);
  }

  @Test
  void shuffleTakesTheOldestOutAndADeadOneStaysOut() {
    for (int i = 1; i <= 5; i++) {
      view.offer(full(i), id(i), NOW);
    }
    PeerSampler.ShuffleStart start = view.startShuffle(NOW);
    assertThat(start.target().id()).isEqualTo(id(1));
    assertThat(start.sample()).hasSize(4);
    view.shuffleFailed(id(1));
    assertThat(view.get(id(1))).isNull();
    assertThat(view.size()).isEqualTo(4);
  }

  @Test
  void receivedEntriesTakeThePlacesOfThoseSentWhenTheViewIsFull() {
    PeerSampler small = new PeerSampler(self, 8, new Random(2));
    for (int i = 1; i <= 8; i++) {
      small.offer(full(i), id(i), NOW);
    }
    PeerSampler.ShuffleStart start = small.startShuffle(NOW);
    List<PeerSampler.Entry> got = new ArrayList<>();
    for (int i = 100; i < 108; i++) {
      got.add(new PeerSampler.Entry(full(i), 0));
    }
    small.completeShuffle(start.target().id(), start.target(), got, NOW);

    // The target is back (age 0) and, capped per source, four received entries replaced sent ones.
    assertThat(small.size()).isEqualTo(8);
    assertThat(small.get(start.target().id())).isNotNull();
    long received = got.stream().filter(e -> small.inCyclonView(e.record().id())).count();
    assertThat(received).isEqualTo(PeerSampler.MAX_PER_SOURCE);
    long sentStillThere = start.sample().stream()
        .filter(e -> small.inCyclonView(e.record().id())).count();
    assertThat(sentStillThere).isEqualTo(start.sample().size() - PeerSampler.MAX_PER_SOURCE);
  }

  @Test
  void answeringAShuffleSendsOtherEntriesAndLearnsTheInitiator() {
    for (int i = 1; i <= 10; i++) {
      view.offer(full(i), id(i), NOW);
    }
    List<PeerSampler.Entry> reply = view.answerShuffle(full(50), id(50), List.of(), NOW);
    assertThat(reply).hasSize(PeerSampler.SHUFFLE_LENGTH)
        .noneMatch(e -> e.record().id().equals(id(50)));
    assertThat(view.get(id(50))).isNotNull();
  }
}
