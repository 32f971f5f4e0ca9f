package io.loudp2p.benchmarks;

import io.loudp2p.core.testing.OverlaySimulation;

/**
 * The overlay simulation at scale: bootstrap, search with and without routing, 30% of peers
 * leaving at once, role changes. Prints the report; arguments: peer count (default 10,000) and
 * seed (default 1).
 */
public final class NetworkSimulation {
  private NetworkSimulation() {}

  /** Runs the simulation and prints its report. */
  public static void main(String[] args) {
    int peers = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
    long start = System.nanoTime();
    OverlaySimulation.Report report = new OverlaySimulation(OverlaySimulation.Config.of(peers, seed)).run();
    System.out.println(report);
    System.out.printf("  wall clock: %.1f s%n", (System.nanoTime() - start) / 1e9);
  }
}
