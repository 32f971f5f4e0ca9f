package io.loudp2p.core.testing;

import io.loudp2p.core.stream.internal.ChunkScheduler;
import io.loudp2p.core.stream.internal.ChunkScheduler.Action;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * A deterministic discrete-event simulation of one listener streaming a track from several
 * sources, driving a {@link ChunkScheduler} and recording what the listener would have heard.
 *
 * <p>Each source sits behind its own link with a one-way latency, uniform jitter, a bandwidth at
 * which it serialises the chunks it sends one after another, a loss probability applied to every
 * message in either direction, and optionally a time at which the source dies. Messages on a link
 * stay in order. A liar source answers with corrupt bytes. Every random draw comes from one seeded
 * {@link SplittableRandom}, so a run is a pure function of its inputs.
 *
 * <p>The receiver polls the scheduler after every event and on a {@link #TICK_NS} timer, verifies
 * each chunk by comparing its SHA-256 with the original's, and models playback: once the first
 * chunk arrives the player consumes bytes at the bitrate; reaching a chunk that has not arrived is
 * a stall, counted with its duration.
 */
public final class SimulatedNetwork {

  /** How often the receiver polls the scheduler when nothing else happens. */
  public static final long TICK_NS = 10_000_000L;

  /** Nanoseconds per second. */
  public static final long NANOS_PER_SECOND = 1_000_000_000L;

  /**
   * The properties of one source's link.
   *
   * @param latencyNs one-way latency
   * @param jitterNs upper bound of the uniform extra delay added to every message
   * @param bytesPerSecond the rate at which the source sends chunk bytes
   * @param loss probability that any one message in either direction is lost
   * @param diesAtNs time at which the source stops answering, or {@link Long#MAX_VALUE}
   * @param liar whether the source answers with corrupt bytes
   */
  public record Link(
      long latencyNs, long jitterNs, long bytesPerSecond, double loss, long diesAtNs, boolean liar) {

    /** Returns a lossless link that never fails, with the given one-way latency and rate. */
    public static Link of(long latencyMs, long bitsPerSecond) {
      return new Link(latencyMs * 1_000_000L, 0, bitsPerSecond / 8, 0, Long.MAX_VALUE, false);
    }

    /** Returns this link with jitter up to {@code jitterMs}. */
    public Link withJitterMs(long jitterMs) {
      return new Link(latencyNs, jitterMs * 1_000_000L, bytesPerSecond, loss, diesAtNs, liar);
    }

    /** Returns this link with loss probability {@code p}. */
    public Link withLoss(double p) {
      return new Link(latencyNs, jitterNs, bytesPerSecond, p, diesAtNs, liar);
    }

    /** Returns this link with its source dying at {@code timeNs}. */
    public Link dyingAt(long timeNs) {
      return new Link(latencyNs, jitterNs, bytesPerSecond, loss, timeNs, liar);
    }

    /** Returns this link with its source answering corrupt bytes. */
    public Link lying() {
      return new Link(latencyNs, jitterNs, bytesPerSecond, loss, diesAtNs, true);
    }
  }

  /**
   * A chunk delivery that passed or failed verification.
   *
   * @param timeNs when it arrived
   * @param source who sent it
   * @param chunk which chunk
   * @param verified whether its SHA-256 matched the original
   */
  public record Delivery(long timeNs, int source, int chunk, boolean verified) {}

  /**
   * A request the scheduler made.
   *
   * @param timeNs when it was made
   * @param source to whom
   * @param chunk which chunk
   */
  public record Request(long timeNs, int source, int chunk) {}

  /**
   * A chunk reported failed by the scheduler.
   *
   * @param timeNs when
   * @param chunk which chunk
   * @param reason the scheduler's reason
   */
  public record Failure(long timeNs, int chunk, String reason) {}

  /**
   * What happened in one run.
   *
   * @param finished whether playback reached the end of the track
   * @param endNs simulated time at which the run ended
   * @param firstChunkNs when the first verified chunk arrived, or -1
   * @param stalls how many times playback stopped for a missing chunk
   * @param stallNs total time playback stood still for missing chunks
   * @param chunksPlayed how many chunks the player consumed
   * @param corruptChunksPlayed how many consumed chunks differed from the original
   * @param verifiedBytesBySource verified chunk bytes delivered by each source
   * @param deliveries every delivery, in order
   * @param requests every request, in order
   * @param failure the first failure the scheduler reported, if any
   * @param dropped sources the scheduler dropped
   * @param banned sources the scheduler banned
   */
  public record Result(
      boolean finished,
      long endNs,
      long firstChunkNs,
      int stalls,
      long stallNs,
      int chunksPlayed,
      int corruptChunksPlayed,
      Map<Integer, Long> verifiedBytesBySource,
      List<Delivery> deliveries,
      List<Request> requests,
      @Nullable Failure failure,
      List<Integer> dropped,
      List<Integer> banned) {}

  private static final int REQUEST_AT_SOURCE = 0;
  private static final int CANCEL_AT_SOURCE = 1;
  private static final int SENT_BY_SOURCE = 2;
  private static final int DELIVERED = 3;
  private static final int CHUNK_PLAYED = 4;
  private static final int TICK = 5;
  private static final int SEEK = 6;

  private static final class Event {
    final long timeNs;
    final long seq;
    final int type;
    final int source;
    final int chunk;

    Event(long timeNs, long seq, int type, int source, int chunk) {
      this.timeNs = timeNs;
      this.seq = seq;
      this.type = type;
      this.source = source;
      this.chunk = chunk;
    }
  }

  private static final class SimSource {
    final int id;
    final Link link;
    final @Nullable BitSet availability;
    final ArrayDeque<Integer> queue = new ArrayDeque<>();
    boolean busy;
    long lastUpstreamNs;
    long lastDownstreamNs;

    SimSource(int id, Link link, @Nullable BitSet availability) {
      this.id = id;
      this.link = link;
      this.availability = availability;
    }
  }

  private final FakeClock clock;
  private final byte[][] chunks;
  private final byte[][] digests;
  private final long bitrateBytesPerSecond;
  private final SplittableRandom random;
  private final Map<Integer, SimSource> sources = new LinkedHashMap<>();
  private final PriorityQueue<Event> events =
      new PriorityQueue<>(
          (a, b) -> a.timeNs != b.timeNs ? Long.compare(a.timeNs, b.timeNs) : Long.compare(a.seq, b.seq));
  private long seq;
  private final MessageDigest sha256;

  // Receiver and player state.
  private byte @Nullable [][] received;
  private boolean playerRunning;
  private int playerChunk;
  /** Bumped by every seek, so that the end of a chunk played before the seek is ignored. */
  private int playGeneration;
  private long stallStartNs = -1;
  private int stalls;
  private long stallNs;
  private int chunksPlayed;
  private int corruptChunksPlayed;
  private boolean finished;
  private long firstChunkNs = -1;
  private @Nullable Failure failure;
  private final List<Delivery> deliveries = new ArrayList<>();
  private final List<Request> requests = new ArrayList<>();
  private final List<Integer> dropped = new ArrayList<>();
  private final List<Integer> banned = new ArrayList<>();
  private final Map<Integer, Long> verifiedBytes = new LinkedHashMap<>();

  /**
   * Creates a network serving {@code track}, played at {@code bitrateBytesPerSecond}.
   *
   * @param clock the simulated clock, advanced by {@link #run}
   * @param track the original bytes
   * @param chunkLength the chunk length the scheduler uses
   * @param bitrateBytesPerSecond playback rate
   * @param seed seed of every random draw
   */
  public SimulatedNetwork(
      FakeClock clock, byte[] track, int chunkLength, long bitrateBytesPerSecond, long seed) {
    this.clock = clock;
    this.bitrateBytesPerSecond = bitrateBytesPerSecond;
    this.random = new SplittableRandom(seed);
    int count = (track.length + chunkLength - 1) / chunkLength;
    this.chunks = new byte[count][];
    this.digests = new byte[count][];
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (int c = 0; c < count; c++) {
      chunks[c] = Arrays.copyOfRange(track, c * chunkLength, Math.min(track.length, (c + 1) * chunkLength));
      digests[c] = sha256.digest(chunks[c]);
    }
  }

  /** Returns a track of {@code length} seeded pseudo-random bytes. */
  public static byte[] randomTrack(int length, long seed) {
    byte[] track = new byte[length];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < length; i += 8) {
      long v = r.nextLong();
      for (int k = 0; k < 8 && i + k < length; k++) {
        track[i + k] = (byte) (v >>> (8 * k));
      }
    }
    return track;
  }

  /** Returns the number of chunks of the track. */
  public int chunkCount() {
    return chunks.length;
  }

  /** Adds a source behind {@code link} holding {@code availability}, or everything if null. */
  public SimulatedNetwork addSource(int id, Link link, @Nullable BitSet availability) {
    sources.put(id, new SimSource(id, link, availability));
    return this;
  }

  /** Makes the listener seek to {@code chunk} at simulated time {@code atNs}. */
  public SimulatedNetwork seekAt(long atNs, int chunk) {
    push(atNs, SEEK, -1, chunk);
    return this;
  }

  /**
   * Streams the track through {@code scheduler} until playback ends, the scheduler reports a
   * failure, or {@code limitNs} of simulated time pass.
   */
  public Result run(ChunkScheduler scheduler, long limitNs) {
    received = new byte[chunks.length][];
    for (SimSource s : sources.values()) {
      scheduler.addSource(s.id, s.availability, clock.nanoTime());
      verifiedBytes.put(s.id, 0L);
    }
    push(clock.nanoTime(), TICK, -1, -1);
    while (!events.isEmpty() && !finished && failure == null) {
      Event e = events.poll();
      if (e.timeNs > limitNs) {
        break;
      }
      clock.advanceTo(e.timeNs);
      handle(scheduler, e);
      if (e.type == TICK || e.type == DELIVERED || e.type == SEEK || e.type == CHUNK_PLAYED) {
        pollScheduler(scheduler);
      }
    }
    if (stallStartNs >= 0) {
      stallNs += clock.nanoTime() - stallStartNs;
    }
    return new Result(
        finished,
        clock.nanoTime(),
        firstChunkNs,
        stalls,
        stallNs,
        chunksPlayed,
        corruptChunksPlayed,
        verifiedBytes,
        deliveries,
        requests,
        failure,
        dropped,
        banned);
  }

  private void handle(ChunkScheduler scheduler, Event e) {
    long now = clock.nanoTime();
    switch (e.type) {
      case TICK -> push(now + TICK_NS, TICK, -1, -1);
      case REQUEST_AT_SOURCE -> {
        SimSource s = sources.get(e.source);
        if (now < s.link.diesAtNs()) {
          s.queue.add(e.chunk);
          startSending(s);
        }
      }
      case CANCEL_AT_SOURCE -> sources.get(e.source).queue.remove(e.chunk);
      case SENT_BY_SOURCE -> {
        SimSource s = sources.get(e.source);
        s.busy = false;
        if (now < s.link.diesAtNs()) {
          if (!lost(s)) {
            s.lastDownstreamNs = Math.max(s.lastDownstreamNs, now + delay(s));
            push(s.lastDownstreamNs, DELIVERED, s.id, e.chunk);
          }
          startSending(s);
        } else {
          s.queue.clear();
        }
      }
      case DELIVERED -> receive(scheduler, e.source, e.chunk);
      case CHUNK_PLAYED -> {
        if (e.source != playGeneration) {
          return;
        }
        chunksPlayed++;
        if (!Arrays.equals(received[e.chunk], chunks[e.chunk])) {
          corruptChunksPlayed++;
        }
        if (e.chunk + 1 == chunks.length) {
          finished = true;
        } else {
          playerChunk = e.chunk + 1;
          startOrStall(scheduler);
        }
      }
      case SEEK -> {
        playerChunk = e.chunk;
        playerRunning = false;
        playGeneration++;
        if (stallStartNs >= 0) {
          stallNs += now - stallStartNs;
          stallStartNs = -1;
        }
        scheduler.seek(e.chunk, now);
        if (received[e.chunk] != null) {
          startPlaying(scheduler);
        }
      }
      default -> throw new IllegalStateException("event " + e.type);
    }
  }

  private void receive(ChunkScheduler scheduler, int source, int chunk) {
    long now = clock.nanoTime();
    SimSource s = sources.get(source);
    byte[] data = s.link.liar() ? corrupt(chunks[chunk]) : chunks[chunk];
    boolean verified = MessageDigest.isEqual(sha256.digest(data), digests[chunk]);
    deliveries.add(new Delivery(now, source, chunk, verified));
    if (!verified) {
      scheduler.onChunkFailed(source, chunk, now);
      return;
    }
    verifiedBytes.merge(source, (long) data.length, Long::sum);
    if (firstChunkNs < 0) {
      firstChunkNs = now;
    }
    scheduler.onChunkReceived(source, chunk, now);
    if (received[chunk] != null) {
      return;
    }
    received[chunk] = data;
    if (chunk == playerChunk && !playerRunning) {
      if (stallStartNs >= 0) {
        stallNs += now - stallStartNs;
        stallStartNs = -1;
      }
      startPlaying(scheduler);
    }
  }

  private void startOrStall(ChunkScheduler scheduler) {
    if (received[playerChunk] != null) {
      startPlaying(scheduler);
    } else {
      playerRunning = false;
      stalls++;
      stallStartNs = clock.nanoTime();
    }
  }

  private void startPlaying(ChunkScheduler scheduler) {
    long now = clock.nanoTime();
    playerRunning = true;
    scheduler.onPositionChanged(playerChunk, now);
    long playNs = chunks[playerChunk].length * NANOS_PER_SECOND / bitrateBytesPerSecond;
    push(now + playNs, CHUNK_PLAYED, playGeneration, playerChunk);
  }

  private void pollScheduler(ChunkScheduler scheduler) {
    long now = clock.nanoTime();
    for (Action a : scheduler.poll(now)) {
      switch (a.kind()) {
        case REQUEST -> {
          requests.add(new Request(now, a.source(), a.chunk()));
          sendUpstream(sources.get(a.source()), REQUEST_AT_SOURCE, a.chunk());
        }
        case CANCEL -> sendUpstream(sources.get(a.source()), CANCEL_AT_SOURCE, a.chunk());
        case SOURCE_DROPPED -> dropped.add(a.source());
        case SOURCE_BANNED -> banned.add(a.source());
        case FAILED -> {
          if (failure == null) {
            failure = new Failure(now, a.chunk(), String.valueOf(a.reason()));
          }
        }
      }
    }
  }

  private void sendUpstream(SimSource s, int type, int chunk) {
    if (lost(s)) {
      return;
    }
    s.lastUpstreamNs = Math.max(s.lastUpstreamNs, clock.nanoTime() + delay(s));
    push(s.lastUpstreamNs, type, s.id, chunk);
  }

  private void startSending(SimSource s) {
    if (s.busy || s.queue.isEmpty()) {
      return;
    }
    int chunk = s.queue.poll();
    s.busy = true;
    long sendNs = chunks[chunk].length * NANOS_PER_SECOND / s.link.bytesPerSecond();
    push(clock.nanoTime() + sendNs, SENT_BY_SOURCE, s.id, chunk);
  }

  private boolean lost(SimSource s) {
    return s.link.loss() > 0 && random.nextDouble() < s.link.loss();
  }

  private long delay(SimSource s) {
    long jitter = s.link.jitterNs() > 0 ? random.nextLong(s.link.jitterNs() + 1) : 0;
    return s.link.latencyNs() + jitter;
  }

  private byte[] corrupt(byte[] original) {
    byte[] copy = original.clone();
    copy[random.nextInt(copy.length)] ^= 1;
    return copy;
  }

  private void push(long timeNs, int type, int source, int chunk) {
    events.add(new Event(timeNs, seq++, type, source, chunk));
  }
}
