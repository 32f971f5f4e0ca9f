package io.loudp2p.benchmarks;

import io.loudp2p.core.testing.SybilSimulation;

/**
 * Honest peers' views under a Sybil attack ({@link SybilSimulation}) at larger sizes than the unit
 * test: for each attacker share, the honest share of honest views and the success of routed
 * searches. Arguments: honest peer count (default 1,000), seed (default 1), then the attacker
 * shares (default 0.1 and 0.3).
 */
public final class SybilAttack {
  private SybilAttack() {}

  /** Runs the simulation for each share and prints its report. */
  public static void main(String[] args) {
    int honest = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
    double[] shares = {0.1, 0.3};
    if (args.length > 2) {
      shares = new double[args.length - 2];
      for (int i = 2; i < args.length; i++) {
        shares[i - 2] = Double.parseDouble(args[i]);
      }
    }
    for (double share : shares) {
      long start = System.nanoTime();
      SybilSimulation.Report report =
          new SybilSimulation(SybilSimulation.Config.of(honest, share, seed)).run();
      System.out.println(report);
      System.out.printf("  wall clock: %.1f s%n", (System.nanoTime() - start) / 1e9);
    }
  }
}
