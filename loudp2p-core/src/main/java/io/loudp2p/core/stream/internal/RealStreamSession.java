package io.loudp2p.core.stream.internal;

import io.loudp2p.Loudp2pException;
import io.loudp2p.Loudp2pException.Code;
import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.StreamStats;
import io.loudp2p.TrackId;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The implementation of {@link StreamSession}: a single-threaded agent that drives a
 * {@link ChunkScheduler}, data sessions to every source, and a {@link ChunkBuffer} the reader reads
 * from.
 *
 * <p>Transport threads only hand fragments to the buffer (thread-safe) and post events; everything
 * the scheduler sees happens on the agent thread, which also runs the listener. Thread-safe.
 */
public final class RealStreamSession implements StreamSession {
  private static final Logger log = LoggerFactory.getLogger(RealStreamSession.class);

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
  private final Supplier<ChunkScheduler> schedulers;
  private ChunkScheduler scheduler; // replaced only on the agent thread
  private final Listener listener;
  private final ChunkSink sink;
  private final LongSupplier clock;
  private final ChunkBuffer<Integer> buffer;
  private final List<SourceState> sources = new ArrayList<>();
  private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
  private final CompletableFuture<Void> completion = new CompletableFuture<>();
  private final Thread agent;
  private final long startNs;
  private final InputStream input;
  private final AtomicLong redundantBytes = new AtomicLong();
  private volatile long firstByteNs = -1;
  private volatile int stalls;
  private volatile long stalledNs;
  private volatile int rejectedChunks;
  private volatile boolean closed;
  private int lastPositionChunk = -1;
  private boolean ended; // on the agent thread: onFinished or onFailed was told

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
    this.manifest = manifest;
    this.sink = sink;
    this.schedulers = schedulers;
    this.scheduler = schedulers.get();
    this.listener = listener;
    this.clock = clock;
    this.startNs = clock.getAsLong();
    this.buffer = new ChunkBuffer<>(manifest.size(), Manifest.CHUNK_SIZE,
        ChunkBuffer.DEFAULT_POOL_BUFFERS, ChunkBuffer.DEFAULT_MAX_IN_ASSEMBLY,
        manifest::verifyChunk,
        (index, reason, from) -> {
          rejectedChunks++;
          for (Integer s : from) {
            post(() -> {
              this.sources.get(s).badChunks++;
              this.scheduler.onChunkFailed(s, index, clock.getAsLong());
            });
          }
        });
    this.input = new StallTrackingStream(buffer.inputStream());
    if (sink != ChunkSink.NONE) {
      // Copied as each chunk verifies: a fast reader may release it before this thread looks.
      buffer.onVerified((index, slab, offset, length) ->
          sink.onVerifiedChunk(index, java.util.Arrays.copyOfRange(slab, offset, offset + length), length));
    }
    for (int i = 0; i < sources.size(); i++) {
      this.sources.add(new SourceState(i, sources.get(i)));
    }
    this.agent = new Thread(this::run, "loudp2p-stream-" + manifest.trackId().toString().substring(0, 8));
    agent.setDaemon(true);
    post(() -> listener.onBuffering(this));
    agent.start();
    for (SourceState s : this.sources) {
      s.open();
    }
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
    if (closed) {
      throw new IOException("stream session closed");
    }
    boolean backward = byteOffset < buffer.inputStream().position();
    buffer.inputStream().seek(byteOffset);
    if (byteOffset < manifest.size()) {
      int chunk = manifest.chunkAt(byteOffset);
      post(() -> seekTo(chunk, backward));
    }
  }

  @Override
  public List<SourceStats> sources() {
    List<SourceStats> out = new ArrayList<>();
    for (SourceState s : sources) {
      out.add(s.stats());
    }
    return out;
  }

  @Override
  public StreamStats stats() {
    long first = firstByteNs;
    long verified = 0;
    for (SourceState s : sources) {
      verified += s.bytes;
    }
    return new StreamStats(first < 0 ? null : Duration.ofNanos(first - startNs), stalls,
        Duration.ofNanos(stalledNs), verified, redundantBytes.get(), rejectedChunks);
  }

  @Override
  public CompletableFuture<Void> completion() {
    return completion;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    agent.interrupt();
    for (SourceState s : sources) {
      s.close();
    }
    buffer.close();
    completion.completeExceptionally(
        new Loudp2pException(Code.CLOSED, "stream session closed"));
  }

  private void post(Runnable event) {
    if (!closed) {
      events.add(event);
    }
  }

  /** Moves fetching to {@code chunk}; on the agent thread. */
  private void seekTo(int chunk, boolean backward) {
    lastPositionChunk = chunk;
    long now = clock.getAsLong();
    if (backward && buffer.isMissing(chunk)) {
      // Chunks read past were released: a scheduler that counts them as arrived would never ask
      // for them again. A new one starts from what the buffer holds now.
      scheduler = schedulers.get();
      for (SourceState s : sources) {
        if (s.active) {
          scheduler.addSource(s.index, s.currentAvailability(), now);
        }
      }
      for (int i = 0; i < manifest.chunkCount(); i++) {
        if (buffer.isVerified(i)) {
          scheduler.onChunkReceived(-1, i, now);
        }
      }
    }
    scheduler.seek(chunk, now);
    if (!buffer.isVerified(chunk)) {
      listener.onBuffering(this);
    }
  }

  /** The agent's duty cycle: events in, scheduler decisions out. */
  private void run() {
    try {
      while (!closed) {
        Runnable event = events.poll(TICK_NS, TimeUnit.NANOSECONDS);
        while (event != null) {
          event.run();
          event = events.poll();
        }
        if (closed) {
          return;
        }
        long now = clock.getAsLong();
        long position = buffer.inputStream().position();
        if (position < manifest.size()) {
          int chunk = manifest.chunkAt(position);
          if (chunk != lastPositionChunk) {
            lastPositionChunk = chunk;
            scheduler.onPositionChanged(chunk, now);
          }
        }
        for (ChunkScheduler.Action action : scheduler.poll(now)) {
          act(action);
        }
        for (SourceState s : sources) {
          if (s.active) {
            s.rttNs = scheduler.smoothedRttNs(s.index);
            s.bytesPerSecond = (long) scheduler.throughputBytesPerSecond(s.index);
          }
        }
        if (scheduler.isComplete() && !ended) {
          ended = true;
          try {
            listener.onFinished(this);
          } finally {
            completion.complete(null);
          }
        }
      }
    } catch (InterruptedException e) {
      // closed
    } catch (RuntimeException e) {
      log.error("stream session of {} failed", manifest.trackId(), e);
      fail(Code.UNAVAILABLE, new IOException("stream session failed: " + e, e));
    }
  }

  private void act(ChunkScheduler.Action action) {
    switch (action.kind()) {
      case REQUEST:
        sources.get(action.source()).request(action.chunk());
        break;
      case CANCEL:
        sources.get(action.source()).cancel(action.chunk());
        break;
      case SOURCE_DROPPED:
        sources.get(action.source()).drop();
        listener.onSourceDropped(this, sources.get(action.source()).spec.peer(),
            String.valueOf(action.reason()));
        break;
      case SOURCE_BANNED:
        sources.get(action.source()).drop();
        listener.onSourceBanned(this, sources.get(action.source()).spec.peer(),
            String.valueOf(action.reason()));
        break;
      case FAILED:
        if (sources.stream().anyMatch(s -> s.opening)) {
          break; // a source still opening may hold it; the scheduler asks again once it is added
        }
        fail(Code.UNAVAILABLE, new IOException("cannot play " + manifest.trackId() + ": chunk "
            + action.chunk()
            + " cannot be fetched (" + action.reason() + ")"));
        break;
      default:
        break;
    }
  }

  /**
   * Ends the session: a blocked reader wakes with {@code cause}; the listener and the completion
   * hear it as the API's exception with {@code code}.
   */
  private void fail(Code code, IOException cause) {
    if (!ended && !completion.isDone()) {
      ended = true;
      buffer.fail(cause);
      Loudp2pException failure = new Loudp2pException(code, cause.getMessage(), cause);
      try {
        listener.onFailed(this, failure);
      } finally {
        completion.completeExceptionally(failure);
      }
    }
    closed = true;
    for (SourceState s : sources) {
      s.close();
    }
  }

  /** One source: its data session, what was asked of it and what it delivered. */
  /** Whether opening failed because the path is blocked, not because the source refused. */
  private static boolean unreachable(Throwable t) {
    Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
        ? t.getCause() : t;
    return c instanceof ControlException e && e.code() == ControlErrorCode.UNAVAILABLE;
  }

  private static String message(Throwable t) {
    Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
        ? t.getCause() : t;
    return String.valueOf(c.getMessage());
  }

  private final class SourceState implements DataSession.Listener {
    final int index;
    final Source spec;
    private volatile @Nullable DataSession session;
    private volatile boolean active;
    volatile long bytes;
    volatile int chunks;
    volatile int badChunks;
    volatile long rttNs = -1;
    volatile long bytesPerSecond;
    private final BitSet unavailable = new BitSet();
    private volatile String transportName = "";
    private boolean openFailed; // on the agent thread
    private boolean opening = true; // on the agent thread: until its open succeeded or failed

    SourceState(int index, Source spec) {
      this.index = index;
      this.spec = spec;
    }

    void open() {
      transportName = spec.transportName();
      spec.transport().open(spec.endpoint(), spec.sessionId(), spec.handshake(), spec.sourceKey(), this)
          .whenComplete((s, t) -> {
            Fallback fallback = spec.fallback();
            if (t != null && fallback != null && !closed && unreachable(t)) {
              post(() -> listener.onSourceFallback(RealStreamSession.this, spec.peer(),
                  spec.transportName(), fallback.transportName(), message(t)));
              transportName = fallback.transportName();
              fallback.transport().open(fallback.endpoint(), spec.sessionId(), spec.handshake(), this)
                  .whenComplete(this::opened);
              return;
            }
            opened(s, t);
          });
    }

    private void opened(@Nullable DataSession s, @Nullable Throwable t) {
      if (t != null || s == null) {
        String why = "could not open a data session: " + (t == null ? "no session" : message(t));
        post(() -> {
          opening = false;
          openFailed = true;
          listener.onSourceDropped(RealStreamSession.this, spec.peer(), why);
          if (sources.stream().noneMatch(x -> x.opening || x.active)) {
            fail(Code.UNREACHABLE, new IOException("cannot play " + manifest.trackId() + ": none of the "
                + sources.size() + " sources could be reached (last: " + why + ")"));
          }
        });
        return;
      }
      if (closed) {
        s.close();
        return;
      }
      session = s;
      post(() -> {
        opening = false;
        active = true;
        scheduler.addSource(index, spec.availability(), clock.getAsLong());
        listener.onSourceAdded(RealStreamSession.this, spec.peer());
      });
    }

    void request(int chunk) {
      DataSession s = session;
      if (s != null && active) {
        s.request(chunk);
      }
    }

    void cancel(int chunk) {
      DataSession s = session;
      if (s != null) {
        s.cancel(chunk);
      }
    }

    void drop() {
      active = false;
      close();
    }

    void close() {
      DataSession s = session;
      if (s != null) {
        s.close();
      }
    }

    SourceStats stats() {
      return new SourceStats(spec.peer(), bytes, chunks, badChunks,
          Duration.ofNanos(Math.max(0, rttNs)), bytesPerSecond, active, transportName);
    }

    @Override
    public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
      int length = data.remaining();
      Reassembler.Outcome outcome = buffer.onFragment(index, chunkIndex, offset, data);
      switch (outcome) {
        case COMPLETED:
          long now = clock.getAsLong();
          int chunkLength = manifest.chunkLength(chunkIndex);
          bytes += chunkLength;
          chunks++;
          if (firstByteNs < 0) {
            firstByteNs = now;
            post(() -> listener.onStarted(RealStreamSession.this));
          }
          post(() -> scheduler.onChunkReceived(index, chunkIndex, now));
          break;
        case DUPLICATE:
        case NOT_WANTED:
          redundantBytes.addAndGet(length);
          break;
        default:
          break;
      }
    }

    @Override
    public void onUnavailable(int chunkIndex) {
      post(() -> {
        // The source does not have it after all: tell the scheduler its availability changed.
        unavailable.set(chunkIndex);
        long now = clock.getAsLong();
        scheduler.removeSource(index, now);
        scheduler.addSource(index, currentAvailability(), now);
      });
    }

    /** What the source holds, as far as this session knows; on the agent thread. */
    BitSet currentAvailability() {
      BitSet has = spec.availability() == null ? allChunks() : (BitSet) spec.availability().clone();
      has.andNot(unavailable);
      return has;
    }

    @Override
    public void onClosed(DataSession.CloseReason reason) {
      if (reason == DataSession.CloseReason.LOCAL_CLOSE) {
        return;
      }
      post(() -> {
        if (active) {
          active = false;
          scheduler.removeSource(index, clock.getAsLong());
          listener.onSourceDropped(RealStreamSession.this, spec.peer(), "data session ended: " + reason);
        }
      });
    }
  }

  private BitSet allChunks() {
    BitSet all = new BitSet(manifest.chunkCount());
    all.set(0, manifest.chunkCount());
    return all;
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
      boolean waiting = firstByteNs >= 0 && len > 0 && in.position() < in.length()
          && in.available() == 0;
      long from = waiting ? clock.getAsLong() : 0;
      if (waiting) {
        stalls++;
        post(() -> listener.onStalled(RealStreamSession.this));
      }
      int n = in.read(b, off, len);
      if (waiting) {
        stalledNs += clock.getAsLong() - from;
        post(() -> listener.onResumed(RealStreamSession.this));
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
        post(() -> seekTo(chunk, false));
      }
      return moved;
    }

    @Override
    public void close() {
      RealStreamSession.this.close();
    }
  }
}
