package io.loudp2p.core.network;

import static io.loudp2p.core.network.Records.NOW;
import static io.loudp2p.core.network.Records.full;
import static io.loudp2p.core.network.Records.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.PeerId;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HistorySampleTest {
  @Test
  void aPeerPushedAThousandTimesCountsAsMuchAsOneSeenOnce() {
    // 900 honest IDs seen once each; 100 attacker IDs (10%) pushed a thousand times each,
    // interleaved with the honest ones and after them.
    int attackerInSample = 0;
    int samples = 0;
    for (int seed = 0; seed < 20; seed++) {
      HistorySample history = new HistorySample(20, new Random(seed));
      for (int round = 0; round < 1000; round++) {
        for (int a = 0; a < 100; a++) {
          history.offer(full(1000 + a), false);
        }
        if (round < 900) {
          history.offer(full(round), false);
        }
      }
      for (NodeRecord r : history.sample()) {
        samples++;
        if (idNumber(r) >= 1000) {
          attackerInSample++;
        }
      }
    }
    // 20 samplers x 20 seeds, about 10% attackers: far from the 100% a frequency count would give.
    assertThat((double) attackerInSample / samples).isBetween(0.03, 0.20);
  }

  @Test
  void theSampleDoesNotDependOnOrderOrRepetition() {
    HistorySample once = new HistorySample(10, new Random(4));
    HistorySample often = new HistorySample(10, new Random(4));
    for (int i = 1; i <= 200; i++) {
      once.offer(full(i), false);
    }
    for (int round = 0; round < 5; round++) {
      for (int i = 200; i >= 1; i--) {
        often.offer(full(i), false);
      }
    }
    assertThat(ids(often.sample())).isEqualTo(ids(once.sample()));
  }

  @Test
  void aGonePeerIsReplacedByTheSamplersNextLowestRankNotByTheNextArrival() {
    HistorySample history = new HistorySample(1, new Random(9));
    for (int i = 1; i <= 50; i++) {
      history.offer(full(i), false);
    }
    PeerId first = history.sample().get(0).id();
    HistorySample witness = new HistorySample(1, new Random(9));
    for (int i = 1; i <= 50; i++) {
      if (!id(i).equals(first)) {
        witness.offer(full(i), false);
      }
    }
    history.invalidate(first);
    history.offer(full(777), false); // an arrival after the loss does not simply take the place
    witness.offer(full(777), false);
    assertThat(history.sample()).extracting(NodeRecord::id)
        .containsExactlyElementsOf(ids(witness.sample()));
    assertThat(history.holds(first)).isFalse();
  }

  @Test
  void aPeerFoundGoneReturnsOnlyWhenHeardFromItselfOrWithANewerRecord() {
    HistorySample history = new HistorySample(1, new Random(9));
    for (int i = 1; i <= 50; i++) {
      history.offer(full(i), false);
    }
    PeerId first = history.sample().get(0).id();
    int n = first.bytes()[2] & 0xff;
    history.gone(first, 1);
    history.offer(full(n), false); // others still pass its record on
    assertThat(history.holds(first)).isFalse();
    history.offer(full(n, 10, 0, n, 2), false); // it signed a newer one: it is back
    assertThat(history.holds(first)).isTrue();
    history.gone(first, 2);
    history.offer(full(n, 10, 0, n, 2), true); // heard from itself
    assertThat(history.holds(first)).isTrue();
  }

  @Test
  void keepsTheNewestRecordOfAChosenPeerAndForgetsExpiredOnes() {
    HistorySample history = new HistorySample(3, new Random(2));
    history.offer(full(1, 10, 0, 1, 1), false);
    history.offer(full(1, 10, 9, 1, 2), false);
    assertThat(history.sample()).singleElement()
        .satisfies(r -> assertThat(r.sequence()).isEqualTo(2));
    history.purge(NOW + 3_600_001);
    assertThat(history.sample()).isEmpty();
  }

  @Test
  void aPushFloodCannotSwapTheHistorySampleOutOfAView() {
    PeerSampler view = new PeerSampler(id(0), 20, new Random(3));
    for (int i = 1; i <= 300; i++) {
      view.offer(full(i), id(i), NOW); // honest peers heard of once
    }
    view.startShuffle(NOW); // the sample's peers are put in the view
    List<PeerId> chosen = ids(view.historySample());
    assertThat(chosen).hasSizeGreaterThan(15);
    // An attacker with 50 identities shuffles with this peer again and again.
    Random r = new Random(8);
    for (int round = 0; round < 200; round++) {
      int a = 1000 + r.nextInt(50);
      List<PeerSampler.Entry> pushed = new java.util.ArrayList<>();
      for (int k = 0; k < 7; k++) {
        pushed.add(new PeerSampler.Entry(full(1000 + r.nextInt(50)), 0));
      }
      view.answerShuffle(full(a), id(a), pushed, NOW);
    }
    view.startShuffle(NOW);
    long honest = view.neighbours().stream().filter(n -> idNumber(n) < 1000).count();
    // 50 attacker identities among 350 are about 14% of the sample; the flood adds nothing.
    assertThat(honest).isGreaterThanOrEqualTo(15);
  }

  private static List<PeerId> ids(List<NodeRecord> records) {
    return records.stream().map(NodeRecord::id).toList();
  }

  private static int idNumber(NodeRecord r) {
    byte[] b = r.id().bytes();
    return (b[1] & 0xff) << 8 | (b[2] & 0xff);
  }
}
