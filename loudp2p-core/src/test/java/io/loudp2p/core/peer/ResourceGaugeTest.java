package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceGaugeTest {
  @Test
  void averagesCpuTimeOverTheCoresAndTheTimeSinceTheLastReading() {
    long[] cpu = {0};
    long[] wall = {0};
    ResourceGauge gauge = new ResourceGauge.JvmGauge(() -> cpu[0], () -> wall[0], 2, List.of());

    wall[0] = 60_000_000_000L;
    cpu[0] = 54_000_000_000L; // 54 s of CPU in a minute on two cores: 45%
    assertThat(gauge.load()).isCloseTo(0.45 / 0.9, within(1e-9));

    wall[0] += 60_000_000_000L;
    cpu[0] += 108_000_000_000L; // both cores busy 90% of the minute: fully loaded
    assertThat(gauge.load()).isCloseTo(1.0, within(1e-9));

    wall[0] += 60_000_000_000L; // idle since
    assertThat(gauge.load()).isZero();
  }

  @Test
  void aTickOfTheCoarseCpuClockOverAMomentCountsAsAllCoresAtMost() {
    long[] cpu = {0};
    long[] wall = {0};
    ResourceGauge gauge = new ResourceGauge.JvmGauge(() -> cpu[0], () -> wall[0], 2, List.of());
    wall[0] = 50_000; // 50 us after the first reading, the CPU clock moved one 10 ms tick
    cpu[0] = 10_000_000;
    assertThat(gauge.load()).isCloseTo(1.0 / 0.9, within(1e-9));
  }

  @Test
  void readsZeroWhereTheProcessCpuTimeIsNotKnown() {
    long[] wall = {0};
    ResourceGauge gauge = new ResourceGauge.JvmGauge(() -> -1, () -> wall[0], 4, List.of());
    wall[0] = 1_000_000_000L;
    assertThat(gauge.load()).isZero();
  }

  @Test
  void theJvmGaugeReadsThisProcess() {
    ResourceGauge gauge = ResourceGauge.jvm();
    assertThat(gauge.load()).isBetween(0.0, 10.0);
  }
}
