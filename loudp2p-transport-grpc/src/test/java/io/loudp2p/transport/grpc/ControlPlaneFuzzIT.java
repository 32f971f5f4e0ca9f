package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.transport.grpc.testing.ControlPlaneFuzzer;
import io.loudp2p.transport.grpc.testing.FuzzReport;
import io.loudp2p.transport.grpc.testing.FuzzTarget;
import io.loudp2p.transport.grpc.testing.Method;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded fuzz run against a real peer over gRPC on 127.0.0.1: thousands of random, mutated and
 * validly signed extreme requests on every method, each answered with a documented status in time,
 * the peer still serving afterwards and its heap flat. The benchmarks module's {@code
 * ControlPlaneFuzz} runs the same harness far longer.
 */
class ControlPlaneFuzzIT {
  private static final long SEED = 20_240_611L;
  /** Per method: 20,000 cases in all, under a minute on two slow cores. */
  private static final int CASES = Integer.getInteger("loudp2p.fuzz.cases", 2_500);
  /**
   * Heap the peer may gain after the warm-up: what its bounded memories still fill (the replay
   * memory of the run's nonces above all, the peer table, decoded keys and verified records of the
   * senders still to come), with room to spare.
   */
  private static final long HEAP_SLACK = 24L << 20;

  @TempDir Path tmp;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void everyFuzzedRequestGetsADocumentedStatusInTimeAndThePeerStaysWellAndFlat() throws Exception {
    FuzzReport report;
    try (FuzzTarget target = FuzzTarget.start(tmp.resolve("share"), SEED);
        ControlPlaneFuzzer fuzzer = new ControlPlaneFuzzer(target,
            ControlPlaneFuzzer.Options.of(SEED, CASES))) {
      report = fuzzer.run();
    }
    System.out.println(report.table());
    System.out.println(report.examples());

    for (Method m : Method.values()) {
      assertThat(report.cases(m)).as("cases of %s", m).isEqualTo(CASES);
    }
    assertThat(report.failures()).as("broken properties (examples above)").isEmpty();
    assertThat(report.heapAfterBytes() - report.heapBeforeBytes()).as("heap growth")
        .isLessThan(HEAP_SLACK);
    // Once every call ended, the peer holds no more calls, streams or sessions than it did after
    // the warm-up: a search call ends by its deadline and its route lets go of it.
    assertThat(report.liveAfter()).as("live per-call objects once every call ended")
        .allSatisfy((cls, n) -> assertThat(n).as(cls).isLessThanOrEqualTo(
            report.liveBefore().getOrDefault(cls, 0L) + 16));
  }
}
