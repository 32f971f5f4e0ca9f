package io.loudp2p.examples.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.OverlaySimulation;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * 1,000 real peers on an in-memory network and virtual time ({@link OverlaySimulation}): every
 * message sealed, signed, checked and parsed as on a real network, by the peers' own code. The
 * benchmark {@code NetworkSimulation} runs the same scenario at 10,000 peers with more searches.
 *
 * <p>It runs in this module, beside the lab tests, not in the core's: it keeps a processor busy on
 * a virtual clock while the lab's links wait on the real one. Each simulation takes a lane of its
 * own beside the other tests.
 */
@Execution(ExecutionMode.CONCURRENT)
class OverlaySimulationTest {
  @Test
  // About 280 s of one processor's work, which takes longer beside the lab tests, whose
  // processes go first.
  @Timeout(value = 720, unit = TimeUnit.SECONDS)
  void thousandPeersBootstrapFindRareTracksAndSurviveThirtyPercentLeaving() {
    OverlaySimulation.Report r = new OverlaySimulation(
        OverlaySimulation.Config.of(1_000, 1).searches(100, 4)).run();
    System.out.println(r);

    assertThat(r.connectedAfterBootstrap()).as("views full and overlay connected").isTrue();
    assertThat(r.bootstrapMs()).isLessThan(5 * 60_000);
    assertThat(r.routed().successRate()).as("routed search success").isGreaterThanOrEqualTo(0.99);
    assertThat(r.flooded().successRate()).isGreaterThanOrEqualTo(0.99);
    assertThat(r.routed().messagesPerSearch() * 10).as("routing saves messages")
        .isLessThan(r.flooded().messagesPerSearch());
    assertThat(r.routed().successRate()).as("keyword summaries find more than walks alone")
        .isGreaterThan(r.randomWalkOnly().successRate());

    assertThat(r.rightAfterChurn().connected()).as("the overlay stays connected: %s",
        r.rightAfterChurn()).isTrue();
    assertThat(r.routedRightAfterChurn().successRate()).as("searches right after 30%% left")
        .isGreaterThanOrEqualTo(0.95);
    assertThat(r.connectedAfterRecovery()).as("views full again").isTrue();
    assertThat(r.routedAfterRecovery().successRate()).isGreaterThanOrEqualTo(0.99);

    assertThat(r.promotions()).as("LIGHT peers promoted").isPositive();
    assertThat(r.fullAfterRebalance()).as("FULL peers that left are replaced")
        .isGreaterThan(r.fullRightAfterChurn());
    assertThat(r.lightWithLinks()).isEqualTo(r.lightAlive());
  }
}
