package io.loudp2p.core.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.PeerId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LightLinksTest {
  private static List<PeerId> ids(LightLinks links) {
    List<PeerId> out = new ArrayList<>();
    for (NodeRecord r : links.current()) {
      out.add(r.id());
    }
    return out;
  }

  @Test
  void refillsFromFullPeersOnlyUpToThree() {
    LightLinks links = new LightLinks();
    links.refill(List.of(Records.full(1),
        Records.record(2, new byte[] {10, 0, 2, 1}, 1, io.loudp2p.core.proto.v1.Role.ROLE_LIGHT,
            Records.NOW + 1),
        Records.full(3), Records.full(4), Records.full(5)), new Random(1));
    assertThat(links.size()).isEqualTo(LightLinks.LINKS);
    assertThat(ids(links)).doesNotContain(Records.id(2)).doesNotHaveDuplicates();
  }

  @Test
  void rotationMovesEachLinkInTurnToAPeerNotLinkedYet() {
    LightLinks links = new LightLinks();
    List<NodeRecord> bootstrap = List.of(Records.full(1), Records.full(2), Records.full(3));
    links.refill(bootstrap, new Random(1));
    List<NodeRecord> view = new ArrayList<>(bootstrap);
    for (int n = 10; n < 30; n++) {
      view.add(Records.full(n));
    }
    Random random = new Random(2);
    for (int turn = 0; turn < LightLinks.LINKS; turn++) {
      List<PeerId> before = ids(links);
      NodeRecord now = links.rotate(turn, view, random);
      List<PeerId> after = ids(links);
      assertThat(after).hasSize(LightLinks.LINKS).doesNotHaveDuplicates();
      assertThat(now.id()).isEqualTo(after.get(turn)).isNotIn(before);
      for (int i = 0; i < LightLinks.LINKS; i++) {
        if (i != turn) {
          assertThat(after.get(i)).as("other links stay").isEqualTo(before.get(i));
        }
      }
    }
  }

  @Test
  void rotationSpreadsLinksOverTheView() {
    List<NodeRecord> view = new ArrayList<>();
    for (int n = 1; n <= 20; n++) {
      view.add(Records.full(n));
    }
    Set<PeerId> firstLinks = new HashSet<>();
    for (long seed = 0; seed < 50; seed++) {
      LightLinks links = new LightLinks();
      links.refill(view.subList(0, 3), new Random(seed)); // every peer bootstrapped from the same 3
      Random random = new Random(seed);
      for (int turn = 0; turn < 6; turn++) {
        links.rotate(turn, view, random);
      }
      firstLinks.add(links.current().get(0).id());
    }
    assertThat(firstLinks).as("first links of 50 light peers that met the same three peers")
        .hasSizeGreaterThan(10);
  }

  @Test
  void rotationWithoutOtherFullPeersKeepsTheLinksAndWithoutLinksGivesNone() {
    LightLinks links = new LightLinks();
    assertThat(links.rotate(0, List.of(Records.full(1)), new Random(1))).isNull();
    List<NodeRecord> only = List.of(Records.full(1), Records.full(2));
    links.refill(only, new Random(1));
    List<PeerId> before = ids(links);
    assertThat(links.rotate(5, only, new Random(1)).id()).isEqualTo(before.get(1));
    assertThat(ids(links)).isEqualTo(before);
  }
}
