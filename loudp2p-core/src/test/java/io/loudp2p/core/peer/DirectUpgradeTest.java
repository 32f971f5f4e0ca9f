package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.core.identity.Identity;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which sources of a session a punch is asked of: those the relay alone carries. */
class DirectUpgradeTest {
  private static SourceStats source(PeerId peer, String transport, boolean active) {
    return new SourceStats(peer, 0, 0, 0, Duration.ZERO, 0, active, transport);
  }

  @Test
  void onlyPeersWhoseActiveSessionsAllGoThroughARelayAreAskedForAPunch() {
    PeerId relayedOnly = Identity.generate().peerId();
    PeerId movedAlready = Identity.generate().peerId();
    PeerId direct = Identity.generate().peerId();
    PeerId gone = Identity.generate().peerId();
    List<SourceStats> sources = List.of(
        source(relayedOnly, "grpc-relayed", true),
        source(movedAlready, "grpc-relayed", true), // its direct session is open too
        source(movedAlready, "udp", true),
        source(direct, "grpc", true),
        source(gone, "grpc-relayed", false));
    assertThat(DirectUpgrade.relayedOnly(sources)).containsExactly(relayedOnly);
  }
}
