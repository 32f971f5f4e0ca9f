package io.loudp2p.core.stream.internal;

import io.loudp2p.core.content.Manifest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The deadline-driven chunk scheduler: deadline window first, endgame near deadlines, rarest-first
 * prefetch beyond the window.
 *
 * <p>Every chunk has a playback deadline, {@code anchor + (offset(chunk) - offset(position)) /
 * bitrate}, where the anchor is the time playback was last reported at the start of the position
 * chunk (before playback starts, and after a seek, the anchor is the current time: everything is
 * wanted as soon as possible). Each {@link #poll(long)}:
 *
 * <ol>
 *   <li>times out requests that saw no answer for a retransmission timeout (RFC 6298, measured
 *       from the later of the request and the source's last arrival, so a deep pipeline is not
 *       mistaken for a dead source), backing the source off and dropping it after {@link
 *       #MAX_CONSECUTIVE_TIMEOUTS};
 *   <li>reports as failed every needed chunk that no live source has;
 *   <li>requests each unrequested chunk whose deadline lies within the window from the source with
 *       the earliest estimated completion ({@code (queued bytes + chunk) / throughput + RTT});
 *   <li>requests again, from a different source, a chunk in flight whose deadline is less than
 *       {@link #ENDGAME_SLACK_RTTS} round trips away (endgame; never more than {@link
 *       #MAX_COPIES} copies), cancelling the other copy when one arrives;
 *   <li>prefetches the chunks beyond the window but within the buffer bound, rarest first.
 * </ol>
 *
 * <p>While less than {@link #URGENT_BUFFER_NS} of playback is buffered (the start, and after a
 * seek), the sources reached over the network have no more requests in flight together than one
 * of them would alone, and an endgame copy waits until its holder is two round trips late.
 *
 * <p>A source never has more requests in flight than its pipelining limit, its bandwidth-delay
 * product in chunks plus one, clamped to [{@link #MIN_PIPELINE}, {@link #MAX_PIPELINE}].
 */
public final class DefaultChunkScheduler implements ChunkScheduler {

  /** Length of every chunk but the last. */
  public static final int CHUNK_LENGTH = Manifest.CHUNK_SIZE;

  /** How far ahead of the playback position chunks are fetched by deadline, in seconds. */
  public static final int DEFAULT_WINDOW_SECONDS = 10;

  /** How far ahead of the playback position chunks are prefetched at all, in seconds. */
  public static final int DEFAULT_BUFFER_SECONDS = 30;

  /** Fewest requests a live source may have in flight. */
  public static final int MIN_PIPELINE = 2;

  /** Most requests a source may have in flight, however large its bandwidth-delay product. */
  public static final int MAX_PIPELINE = 16;

  /**
   * Chunks past the read position asked for at most, however far the buffered time reaches: what
   * the session's buffers hold ({@link ChunkBuffer#DEFAULT_POOL_BUFFERS}, of which {@link
   * ChunkBuffer#DEFAULT_MAX_IN_ASSEMBLY} for chunks still arriving). A track of a high bitrate (a
   * WAV), or a fast source such as the peer's own disk, would otherwise fill every buffer with
   * chunks far ahead and leave none for the one the reader waits for.
   */
  public static final int MAX_AHEAD_CHUNKS =
      ChunkBuffer.DEFAULT_POOL_BUFFERS - ChunkBuffer.DEFAULT_MAX_IN_ASSEMBLY;

  /** Most sources one chunk is requested from at the same time. */
  public static final int MAX_COPIES = 2;

  /**
   * Most endgame copies in flight at once, the most urgent chunk's first. A copy shares the
   * receiver's link with the request it hedges: where that link is the slow one (a phone on 3G),
   * copies of several chunks at once slow down every chunk they hedge, the next one the player
   * needs among them.
   */
  public static final int MAX_HEDGES = 1;

  /**
   * While less than this much playback is buffered (contiguous from the playback position), the
   * sources reached over the network together have no more requests in flight than the widest
   * pipeline of one, and an endgame copy waits until its holder has not answered for two round
   * trips (its round trip and the chunk's time on a slow link): the sources' chunks may share one slow link into this peer, a phone's, and chunks that
   * cross it together share its rate, so that the one the player needs next comes as late as the
   * last. One source's chunks cross it in the order asked. Past it, every source is asked as its
   * own pipeline allows: the next chunks are due seconds away.
   */
  public static final long URGENT_BUFFER_NS = 5_000_000_000L;

  /** Verification failures after which a source is banned for the session. */
  public static final int BAN_THRESHOLD = 3;

  /**
   * Timeout events in a row, without an arrival between, after which a source is dropped; the
   * requests of a source that expire in the same poll count as one event.
   */
  public static final int MAX_CONSECUTIVE_TIMEOUTS = 3;

  /**
   * How long a source that answered before must have been silent before its timeouts drop it: a
   * listener that changes networks (Wi-Fi to 3G) has no path for a round trip or two of the new
   * network while the source checks the new address, and the short timeouts of a fast path would
   * otherwise drop a source about to answer again. Its chunks are asked elsewhere meanwhile. The
   * silence counts from its last answer, or from when it was asked again after a rest (a source
   * not asked anything for a while has not been silent).
   */
  public static final long MIN_SILENCE_BEFORE_DROP_NS = 3_000_000_000L;

  /** A chunk in flight is requested again elsewhere when its deadline is this many RTTs away. */
  public static final int ENDGAME_SLACK_RTTS = 2;

  /** Later requests to the same source answered first after which a request is taken as lost. */
  public static final int OVERTAKE_LOSS_THRESHOLD = 2;

  /** Largest factor the timeout of a source is multiplied by after timeouts. */
  public static final int MAX_BACKOFF = 64;

  static final long NANOS_PER_SECOND = 1_000_000_000L;
  static final int NONE = -1;
  static final long NEVER = Long.MIN_VALUE;

  private final long totalBytes;
  private final int chunkCount;
  /** When each chunk is due, from the playback position; how far ahead chunks are asked for. */
  private final PlaybackDeadlines deadlines;

  private final BitSet arrived;
  private final BitSet failed;
  private final ChunkCopies copies;
  private int arrivedCount;

  /** The live and banned sources, and the choice of the one to ask for a chunk. */
  private final SourceRoster sources;
  private boolean sourcesChanged;
  /** Chooses each poll's requests: window by deadline, endgame copies, rarest-first prefetch. */
  private final RequestPlanner planner;

  private final List<Action> pending = new ArrayList<>();
  private final List<Action> actions = new ArrayList<>();

  /**
   * Creates a scheduler with the default window and buffer.
   *
   * @param totalBytes length of the track
   * @param bitrateBytesPerSecond playback rate
   */
  public DefaultChunkScheduler(long totalBytes, long bitrateBytesPerSecond) {
    this(
        totalBytes,
        bitrateBytesPerSecond,
        DEFAULT_WINDOW_SECONDS * NANOS_PER_SECOND,
        DEFAULT_BUFFER_SECONDS * NANOS_PER_SECOND);
  }

  /**
   * Creates a scheduler.
   *
   * @param totalBytes length of the track
   * @param bitrateBytesPerSecond playback rate
   * @param windowNs how far ahead of playback chunks are fetched by deadline
   * @param bufferNs how far ahead of playback chunks are prefetched; at least {@code windowNs}
   */
  public DefaultChunkScheduler(
      long totalBytes, long bitrateBytesPerSecond, long windowNs, long bufferNs) {
    this(totalBytes, bitrateBytesPerSecond, windowNs, bufferNs, URGENT_BUFFER_NS);
  }

  /**
   * Creates a scheduler whose start ends once {@code urgentBufferNs} of playback is buffered (0:
   * no start; see {@link #URGENT_BUFFER_NS}).
   *
   * @param totalBytes length of the track
   * @param bitrateBytesPerSecond playback rate
   * @param windowNs how far ahead of playback chunks are fetched by deadline
   * @param bufferNs how far ahead of playback chunks are prefetched; at least {@code windowNs}
   * @param urgentBufferNs while less playback than this is buffered, the requests over the
   *     network are bounded and endgame copies wait for a late holder; not negative
   */
  public DefaultChunkScheduler(long totalBytes, long bitrateBytesPerSecond, long windowNs,
      long bufferNs, long urgentBufferNs) {
    if (totalBytes <= 0 || totalBytes > Manifest.MAX_TRACK_BYTES) {
      throw new IllegalArgumentException("track length " + totalBytes);
    }
    if (bitrateBytesPerSecond <= 0) {
      throw new IllegalArgumentException("bitrate " + bitrateBytesPerSecond);
    }
    if (windowNs <= 0 || bufferNs < windowNs || urgentBufferNs < 0) {
      throw new IllegalArgumentException("window " + windowNs + " ns, buffer " + bufferNs
          + " ns, start " + urgentBufferNs + " ns");
    }
    this.totalBytes = totalBytes;
    this.chunkCount = (int) ((totalBytes + CHUNK_LENGTH - 1) / CHUNK_LENGTH);
    this.deadlines = new PlaybackDeadlines(bitrateBytesPerSecond, windowNs, bufferNs);
    this.arrived = new BitSet(chunkCount);
    this.failed = new BitSet(chunkCount);
    this.copies = new ChunkCopies(chunkCount);
    this.sources = new SourceRoster(chunkCount);
    this.planner =
        new RequestPlanner(chunkCount, this::chunkLength, arrived, copies, sources, deadlines,
            urgentBufferNs);
  }

  /** Returns the number of chunks of the track. */
  public int chunkCount() {
    return chunkCount;
  }

  /** Returns the length of {@code chunk}: {@link #CHUNK_LENGTH}, or less for the last chunk. */
  public int chunkLength(int chunk) {
    checkChunk(chunk);
    return (int) Math.min(CHUNK_LENGTH, totalBytes - (long) chunk * CHUNK_LENGTH);
  }

  /** Returns the playback deadline of {@code chunk} as of {@code nowNs}. */
  public long deadlineNs(int chunk, long nowNs) {
    return deadlines.deadlineNs(chunk, nowNs);
  }

  @Override
  public void addSource(int sourceId, @Nullable BitSet availability, long nowNs) {
    if (sourceId < 0) {
      throw new IllegalArgumentException("source id " + sourceId);
    }
    if (sources.isBanned(sourceId)) {
      return;
    }
    ScheduledSource old = sources.get(sourceId);
    if (old != null) {
      removeSourceInternal(old);
    }
    BitSet have = availability == null ? null : (BitSet) availability.clone();
    if (have != null && have.length() > chunkCount) {
      have.clear(chunkCount, have.length());
    }
    sources.add(new ScheduledSource(sourceId, have));
    if (have == null) {
      failed.clear();
    } else {
      failed.andNot(have);
    }
    sourcesChanged = true;
  }

  @Override
  public void hintRtt(int sourceId, long rttNs) {
    ScheduledSource source = sources.get(sourceId);
    if (source != null && rttNs > 0) {
      source.rttHintNs = rttNs;
    }
  }

  @Override
  public void prefer(int sourceId) {
    sources.prefer(sourceId);
  }

  @Override
  public boolean onRequestedInOpening(int sourceId, int chunk, long sentNs) {
    checkChunk(chunk);
    ScheduledSource source = sources.get(sourceId);
    if (source == null || arrived.get(chunk) || !source.has(chunk) || source.indexOf(chunk) >= 0
        || source.count >= MAX_PIPELINE || copies.count(chunk) >= MAX_COPIES) {
      return false;
    }
    source.add(chunk, sentNs, chunkLength(chunk));
    copies.add(chunk, sourceId);
    return true;
  }

  @Override
  public void removeSource(int sourceId, long nowNs) {
    ScheduledSource source = sources.get(sourceId);
    if (source != null) {
      removeSourceInternal(source);
    }
  }

  @Override
  public void onChunkReceived(int sourceId, int chunk, long nowNs) {
    checkChunk(chunk);
    ScheduledSource source = sources.get(sourceId);
    long wonSentNs = nowNs; // when the request that brought the chunk was sent
    if (source != null) {
      int i = source.indexOf(chunk);
      if (i >= 0) {
        wonSentNs = source.sentNs[i];
        source.answered(i, chunkLength(chunk), nowNs);
        copies.detach(chunk, sourceId);
        // Requests sent before this one and still unanswered were overtaken: after a few, lost.
        for (int j = 0; j < i && j < source.count; j++) {
          if (++source.overtaken[j] >= OVERTAKE_LOSS_THRESHOLD) {
            int lost = source.chunks[j];
            source.removeAt(j, chunkLength(lost));
            copies.detach(lost, sourceId);
            pending.add(Action.cancel(sourceId, lost));
            j--;
            i--;
          }
        }
      }
      source.heardFrom(nowNs);
    }
    if (!arrived.get(chunk)) {
      arrived.set(chunk);
      arrivedCount++;
      cancelCopy(chunk, copies.first(chunk), wonSentNs);
      cancelCopy(chunk, copies.second(chunk), wonSentNs);
    }
  }

  @Override
  public void onChunkFailed(int sourceId, int chunk, long nowNs) {
    checkChunk(chunk);
    ScheduledSource source = sources.get(sourceId);
    if (source == null) {
      return;
    }
    int i = source.indexOf(chunk);
    if (i >= 0) {
      source.removeAt(i, chunkLength(chunk));
      copies.detach(chunk, sourceId);
    }
    copies.avoid(chunk, sourceId);
    source.lastArrivalNs = nowNs;
    source.failures++;
    if (source.failures >= BAN_THRESHOLD) {
      sources.ban(sourceId);
      removeSourceInternal(source);
      pending.add(
          Action.sourceBanned(
              sourceId, "source " + sourceId + " served " + source.failures + " corrupt chunks"));
    }
  }

  @Override
  public void onPositionChanged(int chunk, long nowNs) {
    checkChunk(chunk);
    deadlines.reached(chunk, nowNs);
  }

  @Override
  public void seek(int chunk, long nowNs) {
    checkChunk(chunk);
    deadlines.seek(chunk, nowNs);
    long bufferEndNs = deadlines.bufferEndNs(nowNs);
    for (int k = 0; k < sources.size(); k++) {
      ScheduledSource source = sources.at(k);
      for (int i = 0; i < source.count; i++) {
        int c = source.chunks[i];
        if (c < chunk || deadlineNs(c, nowNs) > bufferEndNs) {
          source.removeAt(i, chunkLength(c));
          copies.detach(c, source.id);
          pending.add(Action.cancel(source.id, c));
          i--;
        }
      }
    }
    sourcesChanged = true;
  }

  @Override
  public List<Action> poll(long nowNs) {
    actions.clear();
    actions.addAll(pending);
    pending.clear();
    checkTimeouts(nowNs);
    if (sourcesChanged) {
      sourcesChanged = false;
      checkFailures();
    }
    planner.plan(nowNs, actions);
    return actions;
  }

  @Override
  public boolean isComplete() {
    return arrivedCount == chunkCount;
  }

  /** Returns whether {@code chunk} has arrived. */
  public boolean hasArrived(int chunk) {
    return arrived.get(chunk);
  }

  @Override
  public long smoothedRttNs(int sourceId) {
    ScheduledSource s = sources.get(sourceId);
    return s == null || !s.hasRtt ? -1 : s.srttNs;
  }

  /** Returns the round-trip time variation of a source, or -1 before its first answer. */
  public long rttVariationNs(int sourceId) {
    ScheduledSource s = sources.get(sourceId);
    return s == null || !s.hasRtt ? -1 : s.rttvarNs;
  }

  /** Returns the current retransmission timeout of a source, backoff included. */
  public long retransmissionTimeoutNs(int sourceId) {
    return sources.require(sourceId).rtoNs();
  }

  @Override
  public double throughputBytesPerSecond(int sourceId) {
    ScheduledSource s = sources.get(sourceId);
    return s == null ? 0 : s.throughput;
  }

  /** Returns how many requests a source may have in flight. */
  public int pipelineLimit(int sourceId) {
    return sources.require(sourceId).pipelineLimit();
  }

  /** Returns how many requests a source has in flight. */
  public int inFlight(int sourceId) {
    ScheduledSource s = sources.get(sourceId);
    return s == null ? 0 : s.count;
  }

  /** Returns whether a source is live: added, and neither removed, dropped nor banned. */
  public boolean isLive(int sourceId) {
    return sources.get(sourceId) != null;
  }

  private void checkChunk(int chunk) {
    if (chunk < 0 || chunk >= chunkCount) {
      throw new IndexOutOfBoundsException("chunk " + chunk + " of " + chunkCount);
    }
  }

  private void checkTimeouts(long nowNs) {
    for (int k = 0; k < sources.size(); k++) {
      ScheduledSource source = sources.at(k);
      source.expire(nowNs, this::chunkLength, c -> {
        copies.detach(c, source.id);
        copies.avoid(c, source.id);
        actions.add(Action.cancel(source.id, c));
      });
      if (source.consecutiveTimeouts >= MAX_CONSECUTIVE_TIMEOUTS
          && (source.lastArrivalNs == NEVER
              || nowNs - source.waitedOnSinceNs >= MIN_SILENCE_BEFORE_DROP_NS)) {
        removeSourceInternal(source);
        actions.add(
            Action.sourceDropped(
                source.id,
                "source " + source.id + " timed out " + source.consecutiveTimeouts + " times"));
        k--;
      }
    }
  }

  private void checkFailures() {
    if (!sources.everJoined()) {
      return;
    }
    int position = deadlines.position();
    for (int c = arrived.nextClearBit(position); c < chunkCount; c = arrived.nextClearBit(c + 1)) {
      if (!failed.get(c) && sources.holders(c) == 0) {
        failed.set(c);
        actions.add(
            Action.failed(
                c, "chunk " + c + " is held by none of the " + sources.size() + " live sources"));
      }
    }
  }

  /**
   * Cancels the request of {@code chunk} at {@code sourceId}, which another answered. A source
   * asked for it no later than {@code wonSentNs}, when the answered request was sent, lost the
   * race: that counts as a timeout of its own, so that a source that never answers, and whose
   * every chunk a copy brings, is dropped as one whose requests expire would be.
   */
  private void cancelCopy(int chunk, int sourceId, long wonSentNs) {
    if (sourceId == NONE) {
      return;
    }
    ScheduledSource source = sources.get(sourceId);
    if (source != null) {
      int i = source.indexOf(chunk);
      if (i >= 0) {
        if (source.sentNs[i] <= wonSentNs) {
          source.lostRace();
        }
        source.removeAt(i, chunkLength(chunk));
        pending.add(Action.cancel(sourceId, chunk));
      }
    }
    copies.detach(chunk, sourceId);
  }

  private void removeSourceInternal(ScheduledSource source) {
    for (int i = 0; i < source.count; i++) {
      copies.detach(source.chunks[i], source.id);
    }
    source.count = 0;
    source.queuedBytes = 0;
    sources.remove(source);
    sourcesChanged = true;
  }

}
