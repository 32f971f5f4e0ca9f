package io.loudp2p.benchmarks;

import io.loudp2p.transport.grpc.testing.ControlPlaneFuzzer;
import io.loudp2p.transport.grpc.testing.FuzzReport;
import io.loudp2p.transport.grpc.testing.FuzzTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A long seeded fuzz run against a real peer over gRPC on 127.0.0.1, with the harness of the gRPC
 * transport's {@code ControlPlaneFuzzIT}: random bytes, mutations of valid messages and validly
 * signed requests with extreme field values on every method of {@code loudp2p.v1.Loudp2p}
 * ({@code FetchChunks} on the data endpoint). Prints the count of every status per method, the
 * examples of every failure (with the bytes that caused it), whether the peer still serves, and
 * the used heap after full collections after the warm-up, along the run and at its end, beside the
 * live per-call objects. {@code -Dloudp2p.fuzz.heapDump=file.hprof} dumps the live heap at the end.
 * Exits with status 1 when a property broke.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.ControlPlaneFuzz
 * [cases per method] [seed] [concurrent calls]} (default 100,000, 1, 16), after {@code mvn -B -q
 * -DskipTests package}. A same-seed run sends the same cases (only timestamps differ).
 */
public final class ControlPlaneFuzz {
  private ControlPlaneFuzz() {}

  public static void main(String[] args) throws Exception {
    int cases = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    Path dir = Files.createTempDirectory("loudp2p-fuzz");
    ControlPlaneFuzzer.Options options = ControlPlaneFuzzer.Options.of(seed, cases)
        .withConcurrency(concurrency).withAnswerWait(Duration.ofSeconds(2));
    System.out.printf("fuzzing a peer with %,d cases per method (seed %d, %d at once)%n", cases,
        seed, concurrency);
    FuzzReport report;
    try (FuzzTarget target = FuzzTarget.start(dir.resolve("share"), seed);
        ControlPlaneFuzzer fuzzer = new ControlPlaneFuzzer(target, options)) {
      report = fuzzer.run();
    }
    System.out.println(report.table());
    List<String> failures = report.failures();
    if (failures.isEmpty()) {
      System.out.println("every property held");
    } else {
      System.out.println("broken properties (* above):");
      failures.forEach(f -> System.out.println("  " + f));
      System.out.println("examples:");
      System.out.print(report.examples());
    }
    System.exit(failures.isEmpty() ? 0 : 1);
  }
}
