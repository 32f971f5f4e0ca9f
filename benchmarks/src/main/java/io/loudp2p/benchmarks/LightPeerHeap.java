package io.loudp2p.benchmarks;

import io.loudp2p.Peer;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.core.testing.TestAudio;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The heap of a light peer streaming one track: three full peers share a track in this JVM; a
 * light peer in a child JVM with a small {@code -Xmx} bootstraps from one of them, searches, and
 * plays the track from all three at several times its rate, while its heap after each
 * collection is sampled. Prints the peak live heap beside the limit.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.LightPeerHeap
 * [track MiB] [-Xmx MiB]} (default 8 MiB, 32 MiB).
 */
public final class LightPeerHeap {
  private LightPeerHeap() {}

  public static void main(String[] args) throws Exception {
    int trackMiB = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int xmxMiB = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    Path dir = Files.createTempDirectory("loudp2p-heap");
    List<Peer> full = new ArrayList<>();
    try {
      // 44,100 bytes a second of 16-bit mono noise.
      byte[] wav = TestAudio.noiseWav((int) ((long) trackMiB << 20) / 44_100, 7);
      for (int i = 0; i < 3; i++) {
        Path share = Files.createDirectories(dir.resolve("full" + i));
        Files.write(share.resolve("heapcheck.wav"), wav);
        Peer.Builder b = Peer.builder().share(share);
        if (!full.isEmpty()) {
          b.bootstrap(full.get(0).listenAddresses().get(0));
        }
        Peer peer = b.build().start();
        peer.catalog().ready().join(); // indexed in the background
        full.add(peer);
      }
      InetSocketAddress seed = full.get(0).listenAddresses().get(0);
      Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx" + xmxMiB + "m", "-cp", System.getProperty("java.class.path"),
          Child.class.getName(), seed.getAddress().getHostAddress(), String.valueOf(seed.getPort()),
          String.valueOf(wav.length))
          .inheritIO().start();
      if (!child.waitFor(5, TimeUnit.MINUTES)) {
        child.destroyForcibly();
        System.out.println("the light peer did not finish in 5 minutes");
      } else if (child.exitValue() != 0) {
        System.out.println("the light peer failed with exit code " + child.exitValue()
            + " under -Xmx" + xmxMiB + "m");
      }
    } finally {
      for (Peer p : full) {
        p.close();
      }
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The light peer, in its own JVM. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) throws Exception {
      InetSocketAddress seed = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
      long expected = Long.parseLong(args[2]);
      long peak = 0;
      long start = System.nanoTime();
      try (Peer light = Peer.builder().role(Role.LIGHT).bootstrap(seed).build().start()) {
        List<SearchHit> hits = light.search("heapcheck", Duration.ofSeconds(3), h -> { })
            .get(10, TimeUnit.SECONDS);
        if (hits.isEmpty()) {
          throw new IllegalStateException("the light peer found nothing");
        }
        try (StreamSession s = light.stream(hits.get(0).track().id()).get(10, TimeUnit.SECONDS)) {
          InputStream in = s.inputStream();
          byte[] buf = new byte[8192];
          long read = 0;
          long bytesPerSecond = 44_100L * 16; // sixteen times the track's rate
          int n;
          while ((n = in.read(buf)) > 0) {
            read += n;
            long due = start + read * 1_000_000_000L / bytesPerSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            }
            peak = Math.max(peak, liveHeap());
          }
          if (read != expected) {
            throw new IllegalStateException("read " + read + " of " + expected + " bytes");
          }
          System.out.printf(Locale.ROOT,
              "light peer: streamed %.1f MiB from %d sources in %.1f s with -Xmx%d MiB;"
                  + " peak heap after GC %.1f MiB (goal under 32 MiB)%n",
              read / 1048576.0, s.sources().size(), (System.nanoTime() - start) / 1e9,
              Runtime.getRuntime().maxMemory() >> 20, peak / 1048576.0);
        }
      }
    }

    /** The largest heap in use right after a collection, over every collection so far. */
    private static final java.util.concurrent.atomic.AtomicLong PEAK_AFTER_GC =
        new java.util.concurrent.atomic.AtomicLong();

    static {
      for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((javax.management.NotificationEmitter) gc).addNotificationListener((n, h) -> {
          if (!n.getType().equals(
              com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
          }
          var info = com.sun.management.GarbageCollectionNotificationInfo.from(
              (javax.management.openmbean.CompositeData) n.getUserData());
          long used = 0;
          for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) {
            used += u.getUsed();
          }
          // Non-heap pools (metaspace, code cache) are in the map too: count the heap only.
          for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP) {
              MemoryUsage u = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
              if (u != null) {
                used -= u.getUsed();
              }
            }
          }
          PEAK_AFTER_GC.accumulateAndGet(used, Math::max);
        }, null, null);
      }
    }

    /** The peak heap in use after a collection so far. */
    private static long liveHeap() {
      return PEAK_AFTER_GC.get();
    }
  }
}
