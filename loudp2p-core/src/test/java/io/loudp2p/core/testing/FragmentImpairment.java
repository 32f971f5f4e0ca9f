package io.loudp2p.core.testing;

import io.loudp2p.core.testing.InMemoryNetwork.FragmentFate;
import io.loudp2p.core.testing.InMemoryNetwork.FragmentFilter;
import java.net.InetSocketAddress;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link InMemoryNetwork} does to data fragments on their way: drops, duplicates or delays
 * them with set probabilities (drawing from the network's seeded random source, in the network's
 * order of events), or as a filter decides; and counts what it saw. Owns those settings and
 * counts; called under the network's lock, which also guards the shared random source.
 */
final class FragmentImpairment {
  private final Random random;
  private double dropProbability;
  private double duplicateProbability;
  private double reorderProbability;
  private @Nullable FragmentFilter filter;
  private long sent;
  private long dropped;
  private long largest;

  FragmentImpairment(Random random) {
    this.random = random;
  }

  void drop(double p) {
    dropProbability = probability(p, "drop");
  }

  void duplicate(double p) {
    duplicateProbability = probability(p, "duplicate");
  }

  void reorder(double p) {
    reorderProbability = probability(p, "reorder");
  }

  void filter(@Nullable FragmentFilter filter) {
    this.filter = filter;
  }

  private static double probability(double p, String what) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(what + " probability must be 0..1, got " + p);
    }
    return p;
  }

  FragmentFate fate(InetSocketAddress source, int chunkIndex, int offset, int length) {
    sent++;
    largest = Math.max(largest, length);
    FragmentFate f;
    if (filter != null) {
      f = filter.decide(source, chunkIndex, offset);
    } else if (dropProbability > 0 && random.nextDouble() < dropProbability) {
      f = FragmentFate.DROP;
    } else if (duplicateProbability > 0 && random.nextDouble() < duplicateProbability) {
      f = FragmentFate.DUPLICATE;
    } else if (reorderProbability > 0 && random.nextDouble() < reorderProbability) {
      f = FragmentFate.DELAY;
    } else {
      f = FragmentFate.DELIVER;
    }
    if (f == FragmentFate.DROP) {
      dropped++;
    }
    return f;
  }

  long sent() {
    return sent;
  }

  long dropped() {
    return dropped;
  }

  long largest() {
    return largest;
  }
}
