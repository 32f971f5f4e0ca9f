package io.loudp2p.examples.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.SybilSimulation;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Real peers' views under a Sybil attack ({@link SybilSimulation}): an attacker holding a share of
 * all identities, each a live FULL peer pushing ten times as often as honest peers do and answering
 * only with its own records, gets no more of honest views than its share of the identities plus
 * ten points, and routed searches still find what honest peers hold. Here the attacker holds 30%
 * of 286 identities; the benchmark {@code SybilAttack} runs it at other shares (10% by default
 * too) and larger sizes.
 *
 * <p>It runs in this module, beside the lab tests, not in the core's: it keeps a processor busy on
 * a virtual clock while the lab's links wait on the real one, in a lane of its own.
 */
@Execution(ExecutionMode.CONCURRENT)
class SybilResistanceTest {
  @Test
  // About 170 s of one processor's work, which takes longer beside the lab tests, whose
  // processes go first.
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void attackerIdentitiesGetNoMoreOfHonestViewsThanTheirShareAndSearchesSucceed() {
    SybilSimulation.Report r = new SybilSimulation(SybilSimulation.Config.of(200, 0.3, 5)).run();
    System.out.println(r);

    assertThat(1 - r.meanHonestShare()).as("attacker share of honest views")
        .isLessThanOrEqualTo(r.attackerShare() + 0.10);
    assertThat(r.searchSuccess()).as("routed searches").isGreaterThanOrEqualTo(0.99);
  }
}
