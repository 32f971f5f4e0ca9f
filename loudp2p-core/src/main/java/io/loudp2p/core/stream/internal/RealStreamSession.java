package io.loudp2p.core.stream.internal;

import io.loudp2p.ChunkMap;
import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.StreamStats;
import io.loudp2p.TrackId;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.AgentRunner;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The implementation of {@link StreamSession}: the reader's side of a {@link StreamSessionAgent},
 * which drives a {@link ChunkScheduler}, data sessions to every source, and a {@link ChunkBuffer}
 * the reader reads from.
 *
 * <p>The public constructors run the agent on an {@link AgentRunner} thread of the session's own,
 * woken by every event and at least every {@link #TICK_NS} so the scheduler notices timeouts;
 * {@link #driven} leaves the agent to the caller, so a test runs the session on virtual time.
 * Transport threads only hand fragments to the buffer (thread-safe) and post events; everything
 * the scheduler sees happens on the agent thread, which also runs the listener. Thread-safe.
 */
public final class RealStreamSession implements StreamSession {

  /** How often the agent wakes when nothing happens, to let the scheduler notice timeouts. */
  static final long TICK_NS = TimeUnit.MILLISECONDS.toNanos(5);

  /**
   * Receives each chunk as it is verified, on a transport thread with the buffer locked: it must
   * not block (hand the bytes to another thread) and may keep {@code data}, which is its own copy.
   */
  @FunctionalInterface
  public interface ChunkSink {
    /** A sink that keeps nothing. */
    ChunkSink NONE = (index, data, length) -> { };

    void onVerifiedChunk(int index, byte[] data, int length);
  }

  /**
   * What ends the transport name of a source whose chunks a relay carries ("grpc-relayed"): such
   * a source is let go once a direct path to the same peer opens in the session.
   */
  public static final String RELAYED = "-relayed";

  /**
   * One peer that can serve the track, and how to reach it.
   *
   * @param sourceKey the source's key from its data offer (empty for transports without keys)
   * @param transportName the name of the transport, as {@link SourceStats#transport()} reports it
   * @param fallback where to open the session instead when the transport cannot reach the source
   *     ({@link ControlErrorCode#UNAVAILABLE}, e.g. UDP blocked), or null
   */
  public record Source(
      PeerId peer,
      DataTransport transport,
      InetSocketAddress endpoint,
      DataSessionId sessionId,
      byte[] handshake,
      @Nullable BitSet availability,
      byte[] sourceKey,
      String transportName,
      @Nullable Fallback fallback) {
    /** Checks the parts. */
    public Source {
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(transport, "transport");
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(sessionId, "sessionId");
      Objects.requireNonNull(handshake, "handshake");
      Objects.requireNonNull(sourceKey, "sourceKey");
      Objects.requireNonNull(transportName, "transportName");
    }

    /** This source without its fallback: a second path to a peer that has one already. */
    public Source withoutFallback() {
      return new Source(peer, transport, endpoint, sessionId, handshake, availability, sourceKey,
          transportName, null);
    }

    /** A source on a transport without session keys and without a fallback. */
    public Source(PeerId peer, DataTransport transport, InetSocketAddress endpoint,
        DataSessionId sessionId, byte[] handshake, @Nullable BitSet availability) {
      this(peer, transport, endpoint, sessionId, handshake, availability, new byte[0], "", null);
    }
  }

  /** A second way to the same source session: another transport and its endpoint. */
  public record Fallback(DataTransport transport, InetSocketAddress endpoint, String transportName) {
    /** Checks the parts. */
    public Fallback {
      Objects.requireNonNull(transport, "transport");
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(transportName, "transportName");
    }
  }

  private final Manifest manifest;
  private final LongSupplier clock;
  private final StreamSessionAgent agent;
  private final @Nullable AgentRunner runner;
  private final InputStream input;
  private volatile int stalls;
  private volatile long stalledNs;

  /**
   * Starts a session: opens a data session to every source and begins fetching from the start.
   *
   * @param schedulers makes a fresh scheduler for this track; a new one takes over when a seek goes
   *     back to chunks already read and released (a scheduler counts them as arrived)
   * @param clock nanoseconds (System::nanoTime in production)
   */
  public RealStreamSession(Manifest manifest, List<Source> sources,
      Supplier<ChunkScheduler> schedulers, Listener listener, LongSupplier clock) {
    this(manifest, sources, schedulers, listener, ChunkSink.NONE, clock);
  }

  /** A session that also hands every verified chunk to {@code sink} (for the chunk cache). */
  public RealStreamSession(Manifest manifest, List<Source> sources,
      Supplier<ChunkScheduler> schedulers, Listener listener, ChunkSink sink, LongSupplier clock) {
    this(manifest, sources, schedulers, listener, sink, clock, true);
  }

  /**
   * A session that starts with {@code sources} while {@code later} more are still being asked:
   * each joins with {@link #addSource} or is given up with {@link #sourceNotComing}, and the
   * session does not fail for want of a source before they all did.
   */
  public RealStreamSession(Manifest manifest, List<Source> sources, int later,
      Supplier<ChunkScheduler> schedulers, Listener listener, ChunkSink sink, LongSupplier clock) {
    this(manifest, sources, later, schedulers, listener, sink, clock, true);
  }

  private RealStreamSession(Manifest manifest, List<Source> sources,
      Supplier<ChunkScheduler> schedulers, Listener listener, ChunkSink sink, LongSupplier clock,
      boolean ownThread) {
    this(manifest, sources, 0, schedulers, listener, sink, clock, ownThread);
  }

  private RealStreamSession(Manifest manifest, List<Source> sources, int later,
      Supplier<ChunkScheduler> schedulers, Listener listener, ChunkSink sink, LongSupplier clock,
      boolean ownThread) {
    this.manifest = manifest;
    this.clock = clock;
    this.agent = new StreamSessionAgent(this, manifest, sources, schedulers, listener, sink,
        clock.getAsLong(), later);
    this.input = new StallTrackingStream(agent.buffer().inputStream());
    if (ownThread) {
      AgentRunner r = new AgentRunner(agent, clock, TICK_NS);
      agent.wakeUpWith(r::wakeUp);
      this.runner = r.start();
    } else {
      this.runner = null;
    }
    agent.openSources();
  }

  /**
   * A session without a thread of its own: nothing happens until the caller runs {@link #agent()}
   * by calling its {@link StreamSessionAgent#doWork doWork} with the time, as a test on a fake
   * clock does, or hands it to an {@link AgentRunner}. The sources are opened at once.
   *
   * @param clock the time the session starts at and stalls are measured with, in nanoseconds
   */
  public static RealStreamSession driven(Manifest manifest, List<Source> sources,
      Supplier<ChunkScheduler> schedulers, Listener listener, ChunkSink sink, LongSupplier clock) {
    return new RealStreamSession(manifest, sources, schedulers, listener, sink, clock, false);
  }

  /** A source that accepted after the session started: it joins (one of the {@code later}). */
  public void addSource(Source source) {
    agent.addSource(source);
  }

  /**
   * {@code n} more sources are being asked after the session started (a session that began with
   * this peer's own copy alone and found a chunk of it lacking): the session does not fail for
   * want of a source before each joined or was given up. Call it before the event that needs
   * them reaches the session.
   */
  public void expectSources(int n) {
    agent.expectSources(n);
  }

  /** Opens a session anew at a source whose path was lost; see {@link #replaceLostSources}. */
  @FunctionalInterface
  public interface SourceReplacer {
    /**
     * The data session from {@code peer} ended because its path was lost (nothing came for too
     * long, or its connection broke): true when the caller is opening a new one by another path,
     * which then joins with {@link #addSource} or is given up with {@link #sourceNotComing}
     * (the session does not fail for want of a source meanwhile). On the session's thread: must
     * not block.
     */
    boolean replacing(PeerId peer);
  }

  /** From now on, a source whose path is lost is offered to {@code replacer}. */
  public void replaceLostSources(SourceReplacer replacer) {
    agent.replaceLostSources(replacer);
  }

  /** One of the {@code later} sources will not join, for the reason given. */
  public void sourceNotComing(String why) {
    agent.sourceNotComing(why);
  }

  /**
   * Ends the session with {@link io.loudp2p.Loudp2pException.Code#REFUSED}: what it plays from
   * was found not to check out after it started (its sources outvoted its manifest's size).
   */
  public void refute(String why) {
    agent.refute(why);
  }

  /** A {@link #driven} session that starts while {@code later} more sources are being asked. */
  public static RealStreamSession driven(Manifest manifest, List<Source> sources, int later,
      Supplier<ChunkScheduler> schedulers, Listener listener, ChunkSink sink, LongSupplier clock) {
    return new RealStreamSession(manifest, sources, later, schedulers, listener, sink, clock,
        false);
  }

  /** The agent that does the session's work; its thread is the runner's unless {@link #driven}. */
  public StreamSessionAgent agent() {
    return agent;
  }

  @Override
  public TrackId trackId() {
    return manifest.trackId();
  }

  @Override
  public long length() {
    return manifest.size();
  }

  @Override
  public InputStream inputStream() {
    return input;
  }

  @Override
  public void seek(long byteOffset) throws IOException {
    if (byteOffset < 0 || byteOffset > manifest.size()) {
      throw new IllegalArgumentException(
          "offset " + byteOffset + " outside the track of " + manifest.size() + " bytes");
    }
    if (agent.isClosed()) {
      throw new IOException("stream session closed");
    }
    OrderedChunkStream in = agent.buffer().inputStream();
    boolean backward = byteOffset < in.position();
    in.seek(byteOffset);
    if (byteOffset < manifest.size()) {
      int chunk = manifest.chunkAt(byteOffset);
      agent.post(now -> agent.seekTo(chunk, backward, now));
    }
  }

  @Override
  public List<SourceStats> sources() {
    List<SourceStats> out = new ArrayList<>();
    for (SessionSource s : agent.sources()) {
      out.add(s.stats());
    }
    return out;
  }

  @Override
  public StreamStats stats() {
    return agent.stats(stalls, stalledNs);
  }

  /** Read from the buffer in one pass, without stopping the session: a view, not a ledger. */
  @Override
  public ChunkMap chunks() {
    ChunkBuffer<Integer> buffer = agent.buffer();
    int count = manifest.chunkCount();
    long position = buffer.inputStream().position();
    int reading = position >= manifest.size() ? count : manifest.chunkAt(position);
    BitSet verified = new BitSet(count);
    BitSet arriving = new BitSet(count);
    buffer.states(verified, arriving);
    ChunkMap.State[] states = new ChunkMap.State[count];
    int[] from = new int[count];
    for (int i = 0; i < count; i++) {
      from[i] = agent.origin(i);
      if (verified.get(i)) {
        states[i] = ChunkMap.State.BUFFERED;
      } else if (i < reading && from[i] >= 0) {
        states[i] = ChunkMap.State.PLAYED;
      } else if (arriving.get(i)) {
        states[i] = ChunkMap.State.ARRIVING;
      } else {
        states[i] = ChunkMap.State.MISSING;
      }
    }
    return ChunkMap.of(states, from);
  }

  @Override
  public CompletableFuture<Void> completion() {
    return agent.completion();
  }

  @Override
  public void close() {
    agent.close();
    if (runner != null) {
      runner.close();
    }
  }

  /** Counts the reader's waits after playback started as stalls. */
  private final class StallTrackingStream extends InputStream {
    private final OrderedChunkStream in;

    StallTrackingStream(OrderedChunkStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      boolean waiting = agent.started() && len > 0 && in.position() < in.length()
          && in.available() == 0;
      long from = waiting ? clock.getAsLong() : 0;
      if (waiting) {
        stalls++;
        agent.tellStalled(true);
      }
      int n = in.read(b, off, len);
      if (waiting) {
        stalledNs += clock.getAsLong() - from;
        agent.tellStalled(false);
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return in.available();
    }

    @Override
    public long skip(long n) throws IOException {
      long moved = in.skip(n);
      if (moved > 0 && in.position() < in.length()) {
        int chunk = manifest.chunkAt(in.position());
        agent.post(now -> agent.seekTo(chunk, false, now));
      }
      return moved;
    }

    @Override
    public void close() {
      RealStreamSession.this.close();
    }
  }
}
