package io.loudp2p.transport.grpc.testing;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link ControlPlaneFuzzer} run found: counts per method and outcome, examples of every
 * failure, the used heap along the run, and live per-call objects before and after.
 *
 * <p>An outcome is a gRPC status code with the rejection rules its description names ({@code
 * UNAUTHENTICATED/BAD_SIGNATURE}), {@code SETUP:} and the outcome of a request a case needed first,
 * or an anomaly: {@code !} marks a broken property (a failure), {@code ~} a note (a chunk answered
 * after the wait, for instance). Anomalies come beside a case's outcome and are not cases.
 */
public final class FuzzReport {
  /** The used heap after full collections once {@code cases} cases of all methods had ended. */
  public record HeapSample(long cases, long bytes) {}

  private final Map<Method, Map<String, LongAdder>> counts = new EnumMap<>(Method.class);
  private final Map<Method, AtomicLong> slowestMs = new EnumMap<>(Method.class);
  private final Map<String, List<String>> examples = new TreeMap<>();
  private final AtomicLong slowestLateMs = new AtomicLong();
  final List<HeapSample> heap = new CopyOnWriteArrayList<>();
  Map<String, Long> liveBefore = Map.of();
  Map<String, Long> liveAfter = Map.of();
  List<String> health = List.of();
  List<String> grewMost = List.of();
  double seconds;

  FuzzReport() {
    for (Method m : Method.values()) {
      counts.put(m, new ConcurrentHashMap<>());
      slowestMs.put(m, new AtomicLong());
    }
  }

  /** Outcome keys that break a property; a count under any of them is a failure. */
  static boolean failing(String outcome) {
    return outcome.startsWith("INTERNAL") || outcome.startsWith("UNKNOWN")
        || outcome.startsWith("DEADLINE_EXCEEDED") || outcome.startsWith("!")
        || outcome.startsWith("SETUP:INTERNAL") || outcome.startsWith("SETUP:UNKNOWN");
  }

  private static boolean anomaly(String outcome) {
    return outcome.startsWith("!") || outcome.startsWith("~");
  }

  void count(Method m, String outcome, long millis) {
    counts.get(m).computeIfAbsent(outcome, k -> new LongAdder()).increment();
    slowestMs.get(m).accumulateAndGet(millis, Math::max);
  }

  /** A chunk answered {@code millis} after it was wanted: later than the fuzzer waited. */
  void late(Method m, long millis) {
    count(m, "~WANT_LATE", 0);
    slowestLateMs.accumulateAndGet(millis, Math::max);
  }

  void example(Method m, String outcome, String what) {
    String key = m.grpcName() + " " + outcome;
    synchronized (examples) {
      List<String> list = examples.computeIfAbsent(key, k -> new ArrayList<>());
      if (list.size() < 3) {
        list.add(what);
      }
    }
  }

  /** Cases of {@code m} that ended with {@code outcome}. */
  public long count(Method m, String outcome) {
    LongAdder a = counts.get(m).get(outcome);
    return a == null ? 0 : a.sum();
  }

  /** Every outcome of {@code m} with its count. */
  public Map<String, Long> counts(Method m) {
    Map<String, Long> out = new TreeMap<>();
    counts.get(m).forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Cases of {@code m}, counted once each (anomaly rows aside). */
  public long cases(Method m) {
    long n = 0;
    for (Map.Entry<String, LongAdder> e : counts.get(m).entrySet()) {
      if (!anomaly(e.getKey())) {
        n += e.getValue().sum();
      }
    }
    return n;
  }

  /**
   * The used heap after full collections along the run: the first sample after the warm-up cases,
   * the last once every case ended and the peer let go of their calls.
   */
  public List<HeapSample> heap() {
    return List.copyOf(heap);
  }

  /** Used heap after full collections after the warm-up. */
  public long heapBeforeBytes() {
    return heap.get(0).bytes();
  }

  /** Used heap after full collections after the last case. */
  public long heapAfterBytes() {
    return heap.get(heap.size() - 1).bytes();
  }

  /** Live instances of {@link ControlPlaneFuzzer#PER_CALL_CLASSES} after the warm-up. */
  public Map<String, Long> liveBefore() {
    return liveBefore;
  }

  /** Live instances of {@link ControlPlaneFuzzer#PER_CALL_CLASSES} once every call ended. */
  public Map<String, Long> liveAfter() {
    return liveAfter;
  }

  /**
   * The {@code n} classes whose live bytes grew most from {@code before} to {@code after}, as
   * "class +KiB", largest first.
   */
  static List<String> grewMost(Map<String, Long> before, Map<String, Long> after, int n) {
    return after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(n)
        .map(e -> String.format(Locale.ROOT, "%s +%,d KiB", e.getKey(), e.getValue() >> 10))
        .toList();
  }

  /** The classes whose live bytes grew most from the warm-up to the end. */
  public List<String> grewMost() {
    return grewMost;
  }

  /** What went wrong in the final check that the peer still serves; empty when it does. */
  public List<String> health() {
    return health;
  }

  /** Every broken property: "method outcome: count"; empty when all held. */
  public List<String> failures() {
    List<String> out = new ArrayList<>();
    for (Method m : Method.values()) {
      counts(m).forEach((k, v) -> {
        if (failing(k)) {
          out.add(m.grpcName() + " " + k + ": " + v);
        }
      });
    }
    for (String h : health) {
      out.add("health: " + h);
    }
    return out;
  }

  /** Up to three examples of each failing outcome, with what to send to reproduce it. */
  public String examples() {
    StringBuilder b = new StringBuilder();
    synchronized (examples) {
      examples.forEach((k, list) -> {
        b.append(k).append('\n');
        for (String e : list) {
          b.append("    ").append(e).append('\n');
        }
      });
    }
    return b.toString();
  }

  /** The counts as a table (one row per outcome, one column per method), then the heap. */
  public String table() {
    Set<String> outcomes = new TreeSet<>();
    for (Method m : Method.values()) {
      outcomes.addAll(counts(m).keySet());
    }
    int w = 12;
    for (String o : outcomes) {
      w = Math.max(w, o.length() + 2);
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-" + w + "s", "status"));
    for (Method m : Method.values()) {
      b.append(String.format(Locale.ROOT, "%19s", m.grpcName()));
    }
    b.append('\n');
    for (String o : outcomes) {
      b.append(String.format(Locale.ROOT, "%-" + w + "s", (failing(o) ? "* " : "") + o));
      for (Method m : Method.values()) {
        long n = count(m, o);
        b.append(String.format(Locale.ROOT, "%19s", n == 0 ? "." : Long.toString(n)));
      }
      b.append('\n');
    }
    b.append(String.format(Locale.ROOT, "%-" + w + "s", "cases"));
    for (Method m : Method.values()) {
      b.append(String.format(Locale.ROOT, "%19d", cases(m)));
    }
    b.append('\n');
    b.append(String.format(Locale.ROOT, "%-" + w + "s", "slowest (ms)"));
    for (Method m : Method.values()) {
      b.append(String.format(Locale.ROOT, "%19d", slowestMs.get(m).get()));
    }
    b.append('\n');
    if (slowestLateMs.get() > 0) {
      b.append(String.format(Locale.ROOT, "latest chunk answer: %,d ms after its want%n",
          slowestLateMs.get()));
    }
    b.append(String.format(Locale.ROOT, "%.1f s%n", seconds));
    if (!heap.isEmpty()) {
      b.append(String.format(Locale.ROOT,
          "used heap after GC: %.1f MiB after the warm-up, %.1f MiB at the end (%+.1f MiB)%n",
          heapBeforeBytes() / 1048576.0, heapAfterBytes() / 1048576.0,
          (heapAfterBytes() - heapBeforeBytes()) / 1048576.0));
      b.append("used heap after GC along the run (cases: MiB):");
      for (HeapSample s : heap) {
        b.append(String.format(Locale.ROOT, " %,d: %.1f", s.cases(), s.bytes() / 1048576.0));
      }
      b.append('\n');
    }
    if (!grewMost.isEmpty()) {
      b.append("grew most after the warm-up: ").append(String.join(", ", grewMost)).append('\n');
    }
    b.append("live per-call objects after the warm-up: ").append(liveBefore).append('\n');
    b.append("live per-call objects at the end:        ").append(liveAfter).append('\n');
    b.append("peer still serving: ").append(health.isEmpty() ? "yes" : health).append('\n');
    return b.toString();
  }

  @Override
  public String toString() {
    return table();
  }
}
