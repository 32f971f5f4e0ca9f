package io.loudp2p.core.stream.internal;

import io.loudp2p.Loudp2pException;
import io.loudp2p.Loudp2pException.Code;
import io.loudp2p.PeerId;
import io.loudp2p.StreamSession;
import io.loudp2p.StreamStats;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.Agent;
import io.loudp2p.core.internal.Loggers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logic of one {@link RealStreamSession} as an {@link Agent}: it drives a {@link
 * ChunkScheduler}, a data session to every source, and the {@link ChunkBuffer} the reader reads
 * from.
 *
 * <p>Each {@link #doWork} runs the events posted since the last one, tells the scheduler where the
 * reader is, carries out the scheduler's decisions (with {@link SchedulerActions}) and ends the
 * session when the track is complete or cannot be. It reads no clock: every event runs at the
 * {@code nowNs} it was handed, so a test drives a session on virtual time by calling {@code
 * doWork} itself, and an {@link io.loudp2p.core.internal.AgentRunner} does the same on a thread in
 * production. What the session counts for its statistics is kept in a {@link SessionTally}.
 *
 * <p>Threading: {@code doWork} from one thread at a time (the agent thread), which also runs the
 * scheduler and the listener. Transport threads only hand fragments to the buffer (thread-safe),
 * count them in the tally (thread-safe) and post events; the reader and {@link #close()} may be on
 * any thread.
 */
public final class StreamSessionAgent implements Agent {
  private static final Logger log = LoggerFactory.getLogger(Loggers.STREAM);

  private final StreamSession owner;
  private final Manifest manifest;
  private final Supplier<ChunkScheduler> schedulers;
  private ChunkScheduler scheduler; // replaced only on the agent thread
  private final StreamSession.Listener listener;
  private final ChunkBuffer<Integer> buffer;
  private final SessionTally tally;
  private final SchedulerActions actions;
  // Added to on the agent thread (a source that accepts after the session started), read anywhere.
  private final List<SessionSource> sources = new CopyOnWriteArrayList<>();
  /** Sources still being asked for a session, which may join later; on the agent thread. */
  private int later;
  /**
   * Why the session could not play, said by the scheduler while sources were still to come or
   * opening (one of them may hold the chunk); the session fails with it once none is, unless a
   * source joined meanwhile (the scheduler then asks again). On the agent thread.
   */
  private @Nullable IOException deferred;
  private final ConcurrentLinkedQueue<LongConsumer> events = new ConcurrentLinkedQueue<>();
  private final CompletableFuture<Void> completion = new CompletableFuture<>();
  private volatile boolean closed;
  private volatile Runnable wakeUp = () -> { };
  private volatile RealStreamSession.SourceReplacer replacer = peer -> false;
  private int lastPositionChunk = -1; // on the agent thread
  private boolean ended; // on the agent thread: onFinished or onFailed was told

  /**
   * Makes the agent of {@code owner}; nothing is opened until {@link #openSources()}.
   *
   * @param owner the session the listener is told about
   * @param startNs the time the session started, which time to first byte counts from
   * @param later how many more sources may join with {@link #addSource} or be given up with
   *     {@link #sourceNotComing}: until each has, the session does not fail for want of a source
   */
  StreamSessionAgent(StreamSession owner, Manifest manifest, List<RealStreamSession.Source> specs,
      Supplier<ChunkScheduler> schedulers, StreamSession.Listener listener,
      RealStreamSession.ChunkSink sink, long startNs, int later) {
    this.owner = owner;
    this.later = later;
    this.manifest = manifest;
    this.schedulers = schedulers;
    this.scheduler = schedulers.get();
    this.listener = listener;
    this.tally = new SessionTally(manifest, startNs);
    this.actions = new SchedulerActions(this, listener);
    this.buffer = new ChunkBuffer<>(manifest.size(), Manifest.CHUNK_SIZE,
        ChunkBuffer.DEFAULT_POOL_BUFFERS, ChunkBuffer.DEFAULT_MAX_IN_ASSEMBLY,
        manifest::verifyChunk,
        (index, reason, from) -> {
          tally.countRejectedChunk();
          for (Integer s : from) {
            post(now -> {
              sources.get(s).badChunks++;
              scheduler.onChunkFailed(s, index, now);
            });
          }
        });
    if (sink != RealStreamSession.ChunkSink.NONE) {
      // Copied as each chunk verifies: a fast reader may release it before the sink looks.
      buffer.onVerified((index, slab, offset, length) ->
          sink.onVerifiedChunk(index, Arrays.copyOfRange(slab, offset, offset + length), length));
    }
    for (int i = 0; i < specs.size(); i++) {
      sources.add(new SessionSource(i, specs.get(i), this));
    }
    post(now -> listener.onBuffering(owner));
  }

  /**
   * Opens a data session to every source; once, on the thread that starts the session. The first
   * source is asked for the first chunk in its opening, a round trip sooner where its transport
   * carries requests in the opening; the others are asked once open, as the scheduler decides.
   */
  void openSources() {
    for (SessionSource s : sources) {
      BitSet has = s.spec.availability();
      boolean early = s.index == 0 && manifest.chunkCount() > 0 && (has == null || has.get(0));
      s.open(early ? new int[] {0} : NO_CHUNKS);
    }
  }

  private static final int[] NO_CHUNKS = new int[0];

  /**
   * A source that accepted after the session started (one of the {@code later} ones): its data
   * session is opened, and it is scheduled like the first ones once it is. Any thread.
   */
  void addSource(RealStreamSession.Source spec) {
    post(now -> {
      later--;
      if (closed || ended) {
        if (spec.transport() instanceof PreOpenedTransport pre) {
          pre.abandon(); // opened for this session, which will never read it
        }
        return;
      }
      SessionSource s = new SessionSource(sources.size(), spec, this);
      sources.add(s);
      s.open(NO_CHUNKS);
    });
  }

  /** {@code n} more sources are being asked and will join or be given up. Any thread. */
  void expectSources(int n) {
    post(now -> later += n);
  }

  /** One of the {@code later} sources will not join: it refused or could not be asked. Any thread. */
  void sourceNotComing(String why) {
    post(now -> {
      later--;
      failIfNoSourceLeft(why);
    });
  }

  /** Ends the session: what it plays from was found not to check out, for the reason given. */
  void refute(String why) {
    post(now -> cannotPlay(Code.REFUSED, new IOException(why)));
  }

  /** Makes every later {@link #post} call {@code wakeUp}, e.g. to unpark the agent's thread. */
  void wakeUpWith(Runnable wakeUp) {
    this.wakeUp = wakeUp;
  }

  @Override
  public String roleName() {
    return "loudp2p-stream-" + manifest.trackId().toString().substring(0, 8);
  }

  @Override
  public boolean isDone() {
    return closed;
  }

  /** Drops the events left once the session ended; on the agent thread. */
  @Override
  public void onClose() {
    events.clear();
  }

  /** The agent's duty cycle: events in, scheduler decisions out. */
  @Override
  public int doWork(long nowNs) {
    if (closed) {
      return 0;
    }
    int work = 0;
    try {
      for (LongConsumer event = events.poll(); event != null; event = events.poll()) {
        event.accept(nowNs);
        work++;
      }
      if (closed) {
        return work;
      }
      long position = buffer.inputStream().position();
      if (position < manifest.size()) {
        int chunk = manifest.chunkAt(position);
        if (chunk != lastPositionChunk) {
          lastPositionChunk = chunk;
          scheduler.onPositionChanged(chunk, nowNs);
          work++;
        }
      }
      for (ChunkScheduler.Action action : scheduler.poll(nowNs)) {
        actions.run(action);
        work++;
      }
      tally.sampleRates(sources, scheduler);
      if (scheduler.isComplete() && !ended) {
        ended = true;
        work++;
        try {
          listener.onFinished(owner);
        } finally {
          completion.complete(null);
        }
      }
    } catch (RuntimeException e) {
      log.error("stream session of {} failed", manifest.trackId(), e);
      fail(Code.UNAVAILABLE, new IOException("stream session failed: " + e, e));
      work++;
    }
    return work;
  }

  /**
   * Closes the session: its data sessions and the buffer (waking a blocked reader with an
   * IOException), and cancels the completion. Idempotent; any thread.
   */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (SessionSource s : sources) {
      s.close();
    }
    buffer.close();
    completion.completeExceptionally(
        new Loudp2pException(Code.CLOSED, "stream session closed"));
    wakeUp.run();
  }

  /** Whether the session was closed or failed. */
  public boolean isClosed() {
    return closed;
  }

  /** Queues {@code event} for the next {@link #doWork}, which runs it with its time; any thread. */
  void post(LongConsumer event) {
    if (!closed) {
      events.add(event);
      wakeUp.run();
    }
  }

  /** Tells the listener that a source moved to another transport; on the agent thread. */
  void tellFallback(PeerId peer, String from, String to, String why) {
    log.info("{}: source {} moved from {} to {} ({})", manifest.trackId(), peer, from, to, why);
    listener.onSourceFallback(owner, peer, from, to, why);
  }

  /** Tells the listener that the reader waits for bytes ({@code true}) or has them again. */
  void tellStalled(boolean stalled) {
    post(now -> {
      if (stalled) {
        listener.onStalled(owner);
      } else {
        listener.onResumed(owner);
      }
    });
  }

  ChunkBuffer<Integer> buffer() {
    return buffer;
  }

  Manifest manifest() {
    return manifest;
  }

  CompletableFuture<Void> completion() {
    return completion;
  }

  StreamSession owner() {
    return owner;
  }

  List<SessionSource> sources() {
    return sources;
  }

  /** The index of the source whose copy of {@code chunk} verified last, or -1; any thread. */
  int origin(int chunk) {
    return tally.origin(chunk);
  }

  /** Whether a first chunk was verified (playback can begin); any thread. */
  boolean started() {
    return tally.started();
  }

  /** The session's counters, with the reader's stalls as the session counted them. */
  StreamStats stats(int stalls, long stalledNs) {
    return tally.stats(sources, stalls, stalledNs);
  }

  /** Moves fetching to {@code chunk}; on the agent thread. */
  void seekTo(int chunk, boolean backward, long now) {
    lastPositionChunk = chunk;
    if (backward && buffer.isMissing(chunk)) {
      // Chunks read past were released: a scheduler that counts them as arrived would never ask
      // for them again. A new one starts from what the buffer holds now.
      scheduler = schedulers.get();
      for (SessionSource s : sources) {
        if (s.active) {
          schedule(s, s.currentAvailability(), now);
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
      listener.onBuffering(owner);
    }
  }

  /**
   * The scheduler cannot fetch {@code chunk}: the session fails, unless a source still to come or
   * opening may hold it (the first such failure is then kept until none is); on the agent thread.
   */
  void cannotFetch(int chunk, @Nullable String reason) {
    IOException failure = new IOException("cannot play " + manifest.trackId()
        + ": chunk " + chunk + " cannot be fetched (" + reason + ")");
    if (later > 0 || sources.stream().anyMatch(s -> s.opening)) {
      if (deferred == null) {
        deferred = failure; // a source still to come may hold it; the first is named
      }
      return;
    }
    cannotPlay(Code.UNAVAILABLE, failure);
  }

  /** Ends the session for want of sources or chunks: {@link #fail}, said in the log. */
  private void cannotPlay(Code code, IOException cause) {
    if (!ended && !completion.isDone()) {
      log.warn("{}", cause.getMessage());
    }
    fail(code, cause);
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
        listener.onFailed(owner, failure);
      } finally {
        completion.completeExceptionally(failure);
      }
    }
    closed = true;
    for (SessionSource s : sources) {
      s.close();
    }
  }

  // --- what the sources report, from transport threads ---

  /** Hands {@code source} to the scheduler, this peer's own copy as the preferred one. */
  private void schedule(SessionSource source, @Nullable BitSet availability, long now) {
    scheduler.addSource(source.index, availability, now);
    scheduler.hintRtt(source.index, source.rttHintNs());
    if (source.spec.transport() instanceof OwnCopy) {
      scheduler.prefer(source.index);
    }
  }

  /** A source's data session opened; on a transport thread. */
  void onOpened(SessionSource source) {
    post(now -> {
      source.opening = false;
      source.active = true;
      deferred = null; // the scheduler places its chunks anew, with this source among them
      schedule(source, source.spec.availability(), now);
      SessionSource relayed = source.relayed() ? null : source.relayedTwin(sources);
      if (relayed == null) {
        listener.onSourceAdded(owner, source.spec.peer());
      } else { // a direct path to a source the relay carried: the relayed session is let go
        relayed.active = false;
        scheduler.removeSource(relayed.index, now);
        relayed.close();
        tellFallback(source.spec.peer(), relayed.transportName(), source.transportName(),
            "a direct path opened");
      }
      for (int chunk : source.earlyWants()) {
        if (scheduler.onRequestedInOpening(source.index, chunk, source.earlyAtNs())) {
          source.request(chunk); // asked in the opening where the transport could: costs nothing
        }
      }
    });
  }

  /** A source's data session could not be opened; on a transport thread. */
  void onOpenFailed(SessionSource source, String why) {
    post(now -> {
      source.opening = false;
      if (source.relayedTwin(sources) != null) { // a second path: the source is still there
        log.info("{}: no direct path to source {} ({})", manifest.trackId(), source.spec.peer(),
            why);
      } else {
        listener.onSourceDropped(owner, source.spec.peer(), why);
      }
      failIfNoSourceLeft(why);
    });
  }

  /**
   * Fails the session when no source is open, opening or still to come, or when none is opening or
   * to come and a chunk the scheduler could not place is still wanted; on the agent thread.
   */
  private void failIfNoSourceLeft(String why) {
    if (later > 0 || sources.stream().anyMatch(x -> x.opening)) {
      return;
    }
    if (sources.stream().noneMatch(x -> x.active)) {
      cannotPlay(Code.UNREACHABLE, new IOException("cannot play " + manifest.trackId()
          + ": none of the " + sources.size() + " sources could be reached (last: " + why + ")"));
    } else if (deferred != null) {
      cannotPlay(Code.UNAVAILABLE, deferred);
    }
  }

  /** A fragment from {@code source}; on a transport thread. */
  void onFragment(SessionSource source, int chunkIndex, int offset, ByteBuffer data) {
    int length = data.remaining();
    Reassembler.Outcome outcome = buffer.onFragment(source.index, chunkIndex, offset, data);
    if (tally.countFragment(source, chunkIndex, length, outcome)) {
      post(now -> {
        tally.firstByteAt(now);
        listener.onStarted(owner);
      });
    }
    if (outcome == Reassembler.Outcome.COMPLETED) {
      post(now -> scheduler.onChunkReceived(source.index, chunkIndex, now));
    }
  }

  /** The source does not have {@code chunkIndex} after all; on a transport thread. */
  void onUnavailable(SessionSource source, int chunkIndex) {
    post(now -> {
      source.unavailable.set(chunkIndex);
      scheduler.removeSource(source.index, now);
      schedule(source, source.currentAvailability(), now);
    });
  }

  /**
   * Asks whoever opens sources whether it opens the session anew at a source whose path was lost;
   * see {@link RealStreamSession#replaceLostSources}.
   */
  void replaceLostSources(RealStreamSession.SourceReplacer replacer) {
    this.replacer = replacer;
  }

  /**
   * The source's data session ended without this side closing it ({@code pathLost}: nothing came
   * from it for too long, or its connection broke); on a transport thread.
   */
  void onSourceClosed(SessionSource source, String why, boolean pathLost) {
    post(now -> {
      if (source.active) {
        source.active = false;
        scheduler.removeSource(source.index, now);
        if (!ended && !closed) { // not the sessions ending with a finished or closed track
          log.info("{}: source {} ended its session ({})", manifest.trackId(), source.spec.peer(),
              why);
          if (pathLost && replacer.replacing(source.spec.peer())) {
            later++; // it joins again with addSource, or is given up with sourceNotComing
          }
        }
        listener.onSourceDropped(owner, source.spec.peer(), why);
      }
    });
  }
}
