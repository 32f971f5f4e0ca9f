package io.loudp2p.core.peer;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * How much of its own resources a peer is using: 0 idle, 1 at the limit of what it can give. A
 * FULL peer demotes itself on this, not on how many requests strangers send (they are refused past
 * the peer's rate limits instead), so that nobody can take a FULL peer out of the overlay by
 * sending it valid queries.
 *
 * <p>Implementations are called from the peer's timer thread about once a minute and must be
 * thread-safe and fast.
 */
@FunctionalInterface
public interface ResourceGauge {
  /** A gauge that always reads 0: peers on virtual time whose process is not theirs alone. */
  ResourceGauge IDLE = () -> 0;

  /** The load now, 0 or more; above 1 is overloaded. */
  double load();

  /** The process's own CPU and heap, read through the JVM's management beans. */
  static ResourceGauge jvm() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    LongSupplier cpuNs = os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun::getProcessCpuTime : () -> -1;
    return new JvmGauge(cpuNs, System::nanoTime, Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getMemoryPoolMXBeans());
  }

  /**
   * CPU time the process used since the last reading over the time the machine's cores had, and
   * the heap that stayed in use after the last collection over the heap's bound; the larger of
   * the two, each over {@link #FULL}. Averaging CPU between readings (a minute apart for the role
   * check) makes a burst of work count for what it is, not for the moment it was read in.
   */
  final class JvmGauge implements ResourceGauge {
    /** The share of CPU or heap that counts as fully loaded. */
    static final double FULL = 0.9;

    private final LongSupplier cpuNs;
    private final LongSupplier wallNs;
    private final int cores;
    private final List<MemoryPoolMXBean> pools;
    private long lastCpuNs;
    private long lastWallNs;

    JvmGauge(LongSupplier cpuNs, LongSupplier wallNs, int cores, List<MemoryPoolMXBean> pools) {
      this.cpuNs = cpuNs;
      this.wallNs = wallNs;
      this.cores = Math.max(1, cores);
      this.pools = pools;
      this.lastCpuNs = cpuNs.getAsLong();
      this.lastWallNs = wallNs.getAsLong();
    }

    @Override
    public synchronized double load() {
      long cpu = cpuNs.getAsLong();
      long wall = wallNs.getAsLong();
      double cpuShare = 0;
      if (cpu >= 0 && lastCpuNs >= 0 && wall > lastWallNs) {
        // The process's CPU clock ticks coarsely (milliseconds on Linux): over a short interval
        // one tick would read as many cores' worth. No process uses more than all of them.
        cpuShare = Math.min(1.0,
            (double) (cpu - lastCpuNs) / ((double) (wall - lastWallNs) * cores));
      }
      lastCpuNs = cpu;
      lastWallNs = wall;
      return Math.max(cpuShare, heapShare()) / FULL;
    }

    private double heapShare() {
      long used = 0;
      long max = 0;
      for (MemoryPoolMXBean pool : pools) {
        if (pool.getType() != MemoryType.HEAP || !pool.isValid()) {
          continue;
        }
        MemoryUsage after = pool.getCollectionUsage();
        MemoryUsage now = pool.getUsage();
        if (after == null || now == null || now.getMax() <= 0) {
          continue;
        }
        used += after.getUsed();
        max += now.getMax();
      }
      return max <= 0 ? 0 : (double) used / max;
    }
  }
}
