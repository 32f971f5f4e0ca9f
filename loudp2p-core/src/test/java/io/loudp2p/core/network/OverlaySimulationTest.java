package io.loudp2p.core.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.OverlaySimulation;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 1,000 peers running the real overlay engines over an in-process message bus with a fake clock
 * ({@link OverlaySimulation}). Messages are the wire protocol's protobuf messages but are not
 * signed or serialized, for speed: signatures are not what this measures, and the envelope
 * opener's checks are tested on their own.
 */
class OverlaySimulationTest {
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void thousandPeersBootstrapFindRareTracksAndSurviveThirtyPercentLeaving() {
    OverlaySimulation.Report r = new OverlaySimulation(OverlaySimulation.Config.of(1_000, 1)).run();
    System.out.println(r);

    assertThat(r.connectedAfterBootstrap()).as("views full and overlay connected").isTrue();
    assertThat(r.bootstrapMs()).isLessThan(5 * 60_000);
    assertThat(r.routed().successRate()).as("routed search success").isGreaterThanOrEqualTo(0.99);
    assertThat(r.flooded().successRate()).isGreaterThanOrEqualTo(0.99);
    assertThat(r.routed().messagesPerSearch() * 10).as("routing saves messages")
        .isLessThan(r.flooded().messagesPerSearch());
    assertThat(r.routedAfterRecovery().successRate()).isGreaterThanOrEqualTo(0.99);
    assertThat(r.routedRightAfterChurn().successRate()).isGreaterThanOrEqualTo(0.95);
    assertThat(r.connectedAfterRecovery()).isTrue();
    assertThat(r.promotions()).as("LIGHT peers promoted").isPositive();
    assertThat(r.fullAfterRebalance()).as("FULL peers that left are replaced")
        .isGreaterThan(r.fullRightAfterChurn());
    assertThat(r.lightWithLinks()).isEqualTo(r.lightAlive());
  }
}
