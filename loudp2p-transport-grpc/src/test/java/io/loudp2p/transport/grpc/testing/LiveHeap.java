package io.loudp2p.transport.grpc.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;

/**
 * What this JVM holds live: the used heap after full collections, and the live instances of
 * classes, from the class histogram the JVM prints for {@code jcmd GC.class_histogram} (read here
 * through its diagnostic MBean, in the same process).
 */
public final class LiveHeap {
  private LiveHeap() {}

  /** The used heap after a few full collections, in bytes. */
  public static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /**
   * Live instances of each class whose name contains one of {@code parts} (a full collection
   * first), or an empty map when this JVM has no diagnostic command MBean.
   */
  public static Map<String, Long> liveInstances(String... parts) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String[] f : histogram()) {
      if (f[3].contains("$$Lambda") || f[3].startsWith("[")) {
        continue;
      }
      for (String part : parts) {
        if (f[3].contains(part)) {
          out.merge(f[3], Long.parseLong(f[1]), Long::sum);
          break;
        }
      }
    }
    return out;
  }

  /** Live bytes of every class (a full collection first); empty without the diagnostic MBean. */
  public static Map<String, Long> liveBytes() {
    Map<String, Long> out = new HashMap<>();
    for (String[] f : histogram()) {
      out.merge(f[3], Long.parseLong(f[2]), Long::sum);
    }
    return out;
  }

  /** The class histogram's rows: rank, instances, bytes, class name. */
  private static List<String[]> histogram() {
    String histogram;
    try {
      histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
    } catch (Exception e) {
      return List.of();
    }
    List<String[]> rows = new ArrayList<>();
    // "   12:          345          6789  some.Class (module)"
    for (String line : histogram.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        rows.add(f);
      }
    }
    return rows;
  }
}
