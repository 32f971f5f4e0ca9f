package io.loudp2p.benchmarks;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH benchmarks of a class and prints each measured method beside its baseline as a
 * ratio, so that the numbers of one run can be compared without another machine's figures.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.Ratios [regex]}
 * (default: {@code EnvelopeBenchmark}).
 */
public final class Ratios {
  /** Which baseline each benchmark is compared with, by method name. */
  private static final Map<String, String> BASELINES = new LinkedHashMap<>();

  static {
    BASELINES.put("signMessage", "signRaw");
    BASELINES.put("sealEnvelope", "signRaw");
    BASELINES.put("verifyMessage", "verifyRaw");
    BASELINES.put("openEnvelope", "verifyRawVaried");
    BASELINES.put("openEnvelopeFirstContact", "verifyRawVaried");
    BASELINES.put("peerIdDerive", "peerIdRaw");
    BASELINES.put("verifyWithManifest", "sha256Raw");
    BASELINES.put("verifyWithAuditPath", "sha256Raw");
  }

  private Ratios() {}

  public static void main(String[] args) throws RunnerException {
    String include = args.length > 0 ? args[0] : "EnvelopeBenchmark";
    Options options = new OptionsBuilder().include(include).build();
    Collection<RunResult> results = new Runner(options).run();
    Map<String, Double> score = new LinkedHashMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      score.put(label.substring(label.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
    }
    System.out.println();
    System.out.printf("%-26s %14s %14s %10s%n", "benchmark", "ops/s", "baseline ops/s", "cost x");
    for (Map.Entry<String, String> e : BASELINES.entrySet()) {
      Double measured = score.get(e.getKey());
      Double baseline = score.get(e.getValue());
      if (measured != null && baseline != null) {
        // Cost relative to the baseline: 1.10 means 10% more time per operation.
        System.out.printf("%-26s %14.0f %14.0f %10.3f%n", e.getKey(), measured, baseline,
            baseline / measured);
      }
    }
  }
}
