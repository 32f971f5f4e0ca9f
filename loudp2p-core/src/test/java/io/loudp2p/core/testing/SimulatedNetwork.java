package io.loudp2p.core.testing;

import io.loudp2p.PeerId;
import io.loudp2p.StreamSession;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.proto.v1.TrackMetadata;
import io.loudp2p.core.stream.internal.ChunkScheduler;
import io.loudp2p.core.stream.internal.RealStreamSession;
import io.loudp2p.core.stream.internal.StreamSessionAgent;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A deterministic discrete-event simulation of one listener streaming a track from several
 * sources through a real stream session ({@link RealStreamSession#driven}), whose agent it drives
 * by hand on a {@link FakeClock}, recording what the listener would have heard.
 *
 * <p>Each source sits behind its own link with a one-way latency, uniform jitter, a bandwidth at
 * which it serialises the chunks it sends one after another, a loss probability applied to every
 * message in either direction, and optionally a time at which the source dies. Messages on a link
 * stay in order. A liar source answers with corrupt bytes. Every random draw comes from one seeded
 * {@link SplittableRandom}, so a run is a pure function of its inputs.
 *
 * <p>Each source is a data transport of the simulation's own, whose sessions hand the session's
 * requests to the link and its deliveries to the session, fragment by fragment. The session's
 * agent runs after every delivery, seek and played chunk, and on a {@link #TICK_NS} timer, as its
 * runner thread would. The player reads the session's input stream: once the first chunk is
 * verified it consumes bytes at the bitrate; reaching a chunk that is not verified yet is a stall,
 * counted with its duration.
 */
public final class SimulatedNetwork {

  /** How often the session's agent runs when nothing else happens. */
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
   * @param verified whether its bytes matched the original
   */
  public record Delivery(long timeNs, int source, int chunk, boolean verified) {}

  /**
   * A request the session made.
   *
   * @param timeNs when it was made
   * @param source to whom
   * @param chunk which chunk
   */
  public record Request(long timeNs, int source, int chunk) {}

  /**
   * The session's failure.
   *
   * @param timeNs when
   * @param reason the message of the session's exception, which names the chunk
   */
  public record Failure(long timeNs, String reason) {}

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
   * @param failure the session's failure, if any
   * @param dropped sources the session dropped
   * @param banned sources the session banned
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
  private static final int AT_DOWNLINK = 7;
  private static final int DOWNLINK_DONE = 8;

  private record Event(long timeNs, long seq, int type, int source, int chunk) {}

  /** One source: its link, what it was asked and, as its own transport, its session. */
  private final class SimSource implements DataTransport {
    final int id;
    final Link link;
    final @Nullable BitSet availability;
    final PeerId peer;
    final ArrayDeque<Integer> queue = new ArrayDeque<>();
    boolean busy;
    long lastUpstreamNs;
    long lastDownstreamNs;
    DataSession.@Nullable Listener receiver;
    boolean closed;

    SimSource(int id, Link link, @Nullable BitSet availability) {
      this.id = id;
      this.link = link;
      this.availability = availability;
      byte[] bytes = new byte[PeerId.LENGTH];
      bytes[0] = (byte) PeerId.VERSION;
      bytes[1] = (byte) (id >>> 24);
      bytes[2] = (byte) (id >>> 16);
      bytes[3] = (byte) (id >>> 8);
      bytes[4] = (byte) id;
      this.peer = PeerId.fromBytes(bytes);
    }

    RealStreamSession.Source spec() {
      byte[] sid = new byte[16];
      sid[0] = (byte) id;
      return new RealStreamSession.Source(peer, this,
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 7000 + id),
          DataSessionId.fromBytes(sid), new byte[0], availability);
    }

    @Override
    public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId sessionId,
        byte[] handshake, DataSession.Listener listener) {
      receiver = listener;
      return CompletableFuture.completedFuture(new DataSession() {
        @Override
        public DataSessionId id() {
          return sessionId;
        }

        @Override
        public InetSocketAddress remote() {
          return source;
        }

        @Override
        public void request(int chunkIndex) {
          requests.add(new Request(clock.nanoTime(), id, chunkIndex));
          sendUpstream(SimSource.this, REQUEST_AT_SOURCE, chunkIndex);
        }

        @Override
        public void cancel(int chunkIndex) {
          sendUpstream(SimSource.this, CANCEL_AT_SOURCE, chunkIndex);
        }

        @Override
        public void close() {
          closed = true;
        }
      });
    }

    @Override
    public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
      throw new UnsupportedOperationException("a simulated source only serves the simulation");
    }

    @Override
    public void close() {}
  }

  private final FakeClock clock;
  private final byte[][] chunks;
  private final Manifest manifest;
  private final long bitrateBytesPerSecond;
  private final SplittableRandom random;
  private final Map<Integer, SimSource> sources = new LinkedHashMap<>();
  private final Map<PeerId, Integer> byPeer = new HashMap<>();
  private final PriorityQueue<Event> events =
      new PriorityQueue<>(
          (a, b) -> a.timeNs != b.timeNs ? Long.compare(a.timeNs, b.timeNs) : Long.compare(a.seq, b.seq));
  private long seq;

  // Receiver state.
  private @Nullable SimulatedPlayer player;
  private long firstChunkNs = -1;
  private @Nullable Failure failure;
  private final List<Delivery> deliveries = new ArrayList<>();
  private final List<Request> requests = new ArrayList<>();
  private final List<Integer> dropped = new ArrayList<>();
  private final List<Integer> banned = new ArrayList<>();
  private final Map<Integer, Long> verifiedBytes = new LinkedHashMap<>();

  // The shared downlink, when there is one: the chunks on it, and when their bytes were counted.
  private long downlinkRate;
  private final List<OnDownlink> onDownlink = new ArrayList<>();
  private long downlinkAtNs;
  private int downlinkGeneration;

  /** A chunk crossing the shared downlink, with the bytes of it still to cross. */
  private static final class OnDownlink {
    final int source;
    final int chunk;
    double left;

    OnDownlink(int source, int chunk, double left) {
      this.source = source;
      this.chunk = chunk;
      this.left = left;
    }
  }

  /**
   * Creates a network serving {@code track} in chunks of {@link Manifest#CHUNK_SIZE}, played at
   * {@code bitrateBytesPerSecond}.
   *
   * @param clock the simulated clock, advanced by {@link #run}
   * @param track the original bytes
   * @param bitrateBytesPerSecond playback rate
   * @param seed seed of every random draw
   */
  public SimulatedNetwork(FakeClock clock, byte[] track, long bitrateBytesPerSecond, long seed) {
    this.clock = clock;
    this.bitrateBytesPerSecond = bitrateBytesPerSecond;
    this.random = new SplittableRandom(seed);
    try {
      this.manifest = Manifest.ofStream(new ByteArrayInputStream(track),
          TrackMetadata.getDefaultInstance());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int chunkLength = Manifest.CHUNK_SIZE;
    this.chunks = new byte[manifest.chunkCount()][];
    for (int c = 0; c < chunks.length; c++) {
      chunks[c] = Arrays.copyOfRange(track, c * chunkLength, Math.min(track.length, (c + 1) * chunkLength));
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
    SimSource s = new SimSource(id, link, availability);
    sources.put(id, s);
    byPeer.put(s.peer, id);
    return this;
  }

  /**
   * Puts every source's chunks through one downlink of {@code bytesPerSecond} before they reach
   * the listener, as a phone's 3G link is: the chunks on it at once share its rate equally (as
   * the fragments of several flows through one queue do), after each source's own link and delay.
   */
  public SimulatedNetwork sharedDownlink(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("downlink rate " + bytesPerSecond);
    }
    this.downlinkRate = bytesPerSecond;
    return this;
  }

  /** Makes the listener seek to {@code chunk} at simulated time {@code atNs}. */
  public SimulatedNetwork seekAt(long atNs, int chunk) {
    push(atNs, SEEK, -1, chunk);
    return this;
  }

  /**
   * Streams the track through a session whose schedulers {@code schedulers} makes, until playback
   * ends, the session fails, or {@code limitNs} of simulated time pass.
   */
  public Result run(Supplier<ChunkScheduler> schedulers, long limitNs) {
    List<RealStreamSession.Source> specs = new ArrayList<>();
    for (SimSource s : sources.values()) {
      specs.add(s.spec());
      verifiedBytes.put(s.id, 0L);
    }
    RealStreamSession session = RealStreamSession.driven(manifest, specs, schedulers, new Recorder(),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    StreamSessionAgent agent = session.agent();
    SimulatedPlayer p = new SimulatedPlayer(session.inputStream(), chunks, bitrateBytesPerSecond,
        clock, (timeNs, generation, chunk) -> push(timeNs, CHUNK_PLAYED, generation, chunk));
    player = p;
    try {
      push(clock.nanoTime(), TICK, -1, -1);
      while (!events.isEmpty() && !p.finished && failure == null) {
        Event e = events.poll();
        if (e.timeNs > limitNs) {
          break;
        }
        clock.advanceTo(e.timeNs);
        handle(session, e);
        if (e.type == TICK || e.type == DELIVERED || e.type == DOWNLINK_DONE || e.type == SEEK
            || e.type == CHUNK_PLAYED) {
          agent.doWork(clock.nanoTime());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      session.close();
    }
    p.endStall();
    return new Result(
        p.finished,
        clock.nanoTime(),
        firstChunkNs,
        p.stalls,
        p.stallNs,
        p.chunksPlayed,
        p.corruptChunksPlayed,
        verifiedBytes,
        deliveries,
        requests,
        failure,
        dropped,
        banned);
  }

  /** What the session tells its listener, on the thread that drives its agent. */
  private final class Recorder extends StreamSession.Listener {
    @Override
    public void onSourceDropped(StreamSession s, PeerId source, String reason) {
      dropped.add(byPeer.get(source));
    }

    @Override
    public void onSourceBanned(StreamSession s, PeerId source, String reason) {
      banned.add(byPeer.get(source));
    }

    @Override
    public void onFailed(StreamSession s, Throwable cause) {
      if (failure == null) {
        failure = new Failure(clock.nanoTime(), String.valueOf(cause.getMessage()));
      }
    }
  }

  private void handle(RealStreamSession session, Event e) throws IOException {
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
            push(s.lastDownstreamNs, downlinkRate > 0 ? AT_DOWNLINK : DELIVERED, s.id, e.chunk);
          }
          startSending(s);
        } else {
          s.queue.clear();
        }
      }
      case DELIVERED -> receive(e.source, e.chunk);
      case AT_DOWNLINK -> {
        countDownlink(now);
        onDownlink.add(new OnDownlink(e.source, e.chunk, chunks[e.chunk].length));
        scheduleDownlink(now);
      }
      case DOWNLINK_DONE -> {
        if (e.chunk == downlinkGeneration) {
          countDownlink(now);
          List<OnDownlink> done = new ArrayList<>();
          onDownlink.removeIf(d -> d.left < 0.5 && done.add(d));
          for (OnDownlink d : done) {
            receive(d.source, d.chunk);
          }
          scheduleDownlink(now);
        }
      }
      case CHUNK_PLAYED -> player().onPlayed(e.source, e.chunk);
      case SEEK -> {
        session.seek((long) e.chunk * Manifest.CHUNK_SIZE);
        player().onSeek(e.chunk);
      }
      default -> throw new IllegalStateException("event " + e.type);
    }
  }

  private SimulatedPlayer player() {
    SimulatedPlayer in = player;
    if (in == null) {
      throw new IllegalStateException("not running");
    }
    return in;
  }

  /** A chunk reaches the session, fragment by fragment, as a transport hands it over. */
  private void receive(int source, int chunk) throws IOException {
    long now = clock.nanoTime();
    SimSource s = sources.get(source);
    DataSession.Listener to = s.receiver;
    if (s.closed || to == null) {
      return; // the session closed it: a real transport delivers nothing more
    }
    byte[] data = s.link.liar() ? corrupt(chunks[chunk]) : chunks[chunk];
    boolean verified = Arrays.equals(data, chunks[chunk]);
    deliveries.add(new Delivery(now, source, chunk, verified));
    if (verified) {
      verifiedBytes.merge(source, (long) data.length, Long::sum);
      if (firstChunkNs < 0) {
        firstChunkNs = now;
      }
    }
    for (int off = 0; off < data.length; off += DataTransport.MAX_FRAGMENT_PAYLOAD) {
      int n = Math.min(DataTransport.MAX_FRAGMENT_PAYLOAD, data.length - off);
      to.onFragment(chunk, off, ByteBuffer.wrap(data, off, n));
    }
    player().onArrived(chunk);
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

  /** Takes off the chunks on the downlink what crossed it since it was last counted. */
  private void countDownlink(long now) {
    if (!onDownlink.isEmpty()) {
      double each = (now - downlinkAtNs) * (double) downlinkRate / NANOS_PER_SECOND
          / onDownlink.size();
      for (OnDownlink d : onDownlink) {
        d.left -= each;
      }
    }
    downlinkAtNs = now;
  }

  /** Schedules the end of the next chunk to cross the downlink, replacing the one scheduled. */
  private void scheduleDownlink(long now) {
    downlinkGeneration++;
    double least = Double.MAX_VALUE;
    for (OnDownlink d : onDownlink) {
      least = Math.min(least, d.left);
    }
    if (!onDownlink.isEmpty()) {
      long ns = (long) Math.ceil(Math.max(0, least) * onDownlink.size() * NANOS_PER_SECOND
          / downlinkRate);
      push(now + ns, DOWNLINK_DONE, -1, downlinkGeneration);
    }
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
