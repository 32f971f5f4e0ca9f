package io.loudp2p.examples.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.SybilSimulation;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real peers' views under a Sybil attack ({@link SybilSimulation}): an attacker holding a share of
 * all identities, each a live FULL peer pushing ten times as often as honest peers do and answering
 * only with its own records, gets no more of honest views than its share of the identities plus
 * ten points, and routed searches still find what honest peers hold. The benchmark {@code
 * SybilAttack} runs it at larger sizes. Each simulation has its own network, clock and seed.
 *
 * <p>It runs in this module, beside the lab tests, not in the core's: it keeps a processor busy on
 * a virtual clock while the lab's links wait on the real one.
 */
class SybilResistanceTest {
  @ParameterizedTest(name = "attacker share {0}")
  @ValueSource(doubles = {0.1, 0.3})
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void attackerIdentitiesGetNoMoreOfHonestViewsThanTheirShareAndSearchesSucceed(double share) {
    SybilSimulation.Report r = new SybilSimulation(SybilSimulation.Config.of(200, share, 5)).run();
    System.out.println(r);

    assertThat(1 - r.meanHonestShare()).as("attacker share of honest views")
        .isLessThanOrEqualTo(r.attackerShare() + 0.10);
    assertThat(r.searchSuccess()).as("routed searches").isGreaterThanOrEqualTo(0.99);
  }
}
