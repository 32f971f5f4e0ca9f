package io.loudp2p.benchmarks;

import io.loudp2p.core.stream.internal.ChunkScheduler.Action;
import io.loudp2p.core.stream.internal.ChunkScheduler.Kind;
import io.loudp2p.core.stream.internal.DefaultChunkScheduler;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scheduling rate of the chunk scheduler in a session with 50 sources and 1,000 chunks.
 *
 * <p>Each operation advances simulated time by {@link #STEP_NS}, feeds back the arrival of every
 * chunk requested in the previous operation, moves playback to the first missing chunk, and polls
 * once. The {@code decisions} counter is the number of actions the polls returned, per second. A
 * session that completes is replaced by a fresh one, so the scheduler never idles.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar Scheduler -f 1 -wi 2 -i 3}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SchedulerBenchmark {
  /** Sources in the session. */
  private static final int SOURCES = 50;

  /** Chunks in the track. */
  private static final int CHUNKS = 1000;

  /** Share of the chunks each source holds. */
  private static final double AVAILABILITY = 0.6;

  /** Playback rate: 320 kbit/s. */
  private static final long BITRATE_BYTES_PER_SECOND = 40_000;

  /** Simulated time between two polls, which is also the time a request takes to be answered. */
  private static final long STEP_NS = 5_000_000L;

  /** Most requests outstanding between two operations. */
  private static final int MAX_PENDING = SOURCES * DefaultChunkScheduler.MAX_PIPELINE;

  private final BitSet[] availability = new BitSet[SOURCES];
  private final int[] pendingSource = new int[MAX_PENDING];
  private final int[] pendingChunk = new int[MAX_PENDING];
  private int pendingCount;
  private DefaultChunkScheduler scheduler = newSession();
  private long nowNs;
  private int position;

  /** Counts the decisions the polls return; JMH reports it per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Decisions {
    /** Actions returned by polls. */
    public long decisions;

    /** Resets the counter before each iteration. */
    @Setup(Level.Iteration)
    public void reset() {
      decisions = 0;
    }
  }

  /** Draws which chunks each source holds and starts the first session. */
  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom random = new SplittableRandom(7);
    for (int s = 0; s < SOURCES; s++) {
      BitSet have = new BitSet(CHUNKS);
      for (int c = 0; c < CHUNKS; c++) {
        if (random.nextDouble() < AVAILABILITY) {
          have.set(c);
        }
      }
      availability[s] = have;
    }
    // Every chunk has at least one holder, so no chunk fails.
    for (int c = 0; c < CHUNKS; c++) {
      availability[c % SOURCES].set(c);
    }
    scheduler = newSession();
  }

  private DefaultChunkScheduler newSession() {
    DefaultChunkScheduler s =
        new DefaultChunkScheduler(
            (long) CHUNKS * DefaultChunkScheduler.CHUNK_LENGTH, BITRATE_BYTES_PER_SECOND);
    for (int i = 0; i < SOURCES; i++) {
      if (availability[i] != null) {
        s.addSource(i, availability[i], nowNs);
      }
    }
    pendingCount = 0;
    position = 0;
    return s;
  }

  /** One poll, with the arrivals of the previous poll's requests fed back first. */
  @Benchmark
  public int pollAndFeedBack(Decisions counters) {
    nowNs += STEP_NS;
    for (int i = 0; i < pendingCount; i++) {
      scheduler.onChunkReceived(pendingSource[i], pendingChunk[i], nowNs);
    }
    pendingCount = 0;
    if (scheduler.isComplete()) {
      scheduler = newSession();
    }
    while (position < CHUNKS - 1 && scheduler.hasArrived(position)) {
      position++;
    }
    scheduler.onPositionChanged(position, nowNs);
    List<Action> actions = scheduler.poll(nowNs);
    for (int i = 0; i < actions.size(); i++) {
      Action a = actions.get(i);
      if (a.kind() == Kind.REQUEST && pendingCount < MAX_PENDING) {
        pendingSource[pendingCount] = a.source();
        pendingChunk[pendingCount] = a.chunk();
        pendingCount++;
      }
    }
    counters.decisions += actions.size();
    return actions.size();
  }
}
