package io.loudp2p.core.stream.internal;

import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.CHUNK_LENGTH;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.MAX_BACKOFF;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.MAX_PIPELINE;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.MIN_PIPELINE;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.NANOS_PER_SECOND;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.NEVER;

import java.util.BitSet;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * What the {@link DefaultChunkScheduler} knows about one source: the chunks it holds, the requests
 * in flight to it, and its estimates (smoothed round trip and retransmission timeout as RFC 6298
 * computes them, throughput as a moving average, the pipeline the two allow). Owned by its
 * scheduler; not thread-safe.
 */
final class ScheduledSource {
  /** Retransmission timeout before a source has answered anything (RFC 6298 section 2.1). */
  static final long INITIAL_RTO_NS = 1_000_000_000L;

  /** Smallest retransmission timeout. */
  static final long MIN_RTO_NS = 200_000_000L;

  /** Largest retransmission timeout, backoff included. */
  static final long MAX_RTO_NS = 60_000_000_000L;

  /** The clock granularity G of RFC 6298. */
  static final long CLOCK_GRANULARITY_NS = 1_000_000L;

  /** Round-trip time assumed for a source before it has answered. */
  static final long INITIAL_RTT_ESTIMATE_NS = 200_000_000L;

  /** Throughput assumed for a source before it has answered, in bytes per second. */
  static final double INITIAL_THROUGHPUT_BYTES_PER_SECOND = 128 * 1024;

  /** Weight of a new sample in the throughput moving average. */
  static final double THROUGHPUT_EWMA_WEIGHT = 0.25;

  final int id;
  final @Nullable BitSet have;
  final int[] chunks = new int[MAX_PIPELINE];
  final long[] sentNs = new long[MAX_PIPELINE];
  final int[] overtaken = new int[MAX_PIPELINE];
  int count;
  long queuedBytes;
  long srttNs;
  long rttvarNs;
  long minRttNs = Long.MAX_VALUE;
  boolean hasRtt;
  /** A round trip to it measured before it was added (its stream initiation's); 0: none. */
  long rttHintNs;
  double throughput = INITIAL_THROUGHPUT_BYTES_PER_SECOND;
  boolean hasThroughput;
  long lastArrivalNs = NEVER;
  /**
   * Since when this source has been waited on without a word: its last answer, or the first
   * request sent to it after a time it was not asked anything (an idle source is not silent).
   */
  long waitedOnSinceNs = NEVER;
  int backoff = 1;
  int consecutiveTimeouts;
  int failures;

  ScheduledSource(int id, @Nullable BitSet have) {
    this.id = id;
    this.have = have;
  }

  boolean has(int chunk) {
    return have == null || have.get(chunk);
  }

  int indexOf(int chunk) {
    for (int i = 0; i < count; i++) {
      if (chunks[i] == chunk) {
        return i;
      }
    }
    return -1;
  }

  void add(int chunk, long nowNs, int length) {
    if (count == 0 && consecutiveTimeouts == 0) {
      waitedOnSinceNs = nowNs; // asked again after a rest: the silence starts now
    }
    chunks[count] = chunk;
    sentNs[count] = nowNs;
    overtaken[count] = 0;
    count++;
    queuedBytes += length;
  }

  void removeAt(int i, int length) {
    int tail = count - i - 1;
    System.arraycopy(chunks, i + 1, chunks, i, tail);
    System.arraycopy(sentNs, i + 1, sentNs, i, tail);
    System.arraycopy(overtaken, i + 1, overtaken, i, tail);
    count--;
    queuedBytes -= length;
  }

  /**
   * Its request at index {@code i}, for a chunk of {@code length} bytes, was answered at {@code
   * nowNs}: samples the round trip and the link rate, and takes the request off the queue.
   */
  void answered(int i, int length, long nowNs) {
    long sent = sentNs[i];
    sampleRtt(nowNs - sent);
    if (lastArrivalNs != NEVER && sent <= lastArrivalNs) {
      // The source was busy with this chunk since its previous answer: a link-rate sample.
      sampleThroughput(length, nowNs - lastArrivalNs);
    } else if (!hasThroughput) {
      sampleThroughput(length, nowNs - sent);
    }
    removeAt(i, length);
  }

  /** It answered at {@code nowNs}: its timeouts so far are forgiven. */
  void heardFrom(long nowNs) {
    lastArrivalNs = nowNs;
    waitedOnSinceNs = nowNs;
    consecutiveTimeouts = 0;
    backoff = 1;
  }

  /** A request of it, asked first, was answered sooner by another: one more timeout event. */
  void lostRace() {
    consecutiveTimeouts++;
    backoff = Math.min(backoff * 2, MAX_BACKOFF);
  }

  /**
   * Takes off its queue every request that waited longer than its timeout by {@code nowNs} (since
   * it was sent, or since the source last answered when later), handing each chunk to {@code
   * expired}. Requests expiring together are one timeout event, as one RTO expiry is in TCP: the
   * backoff doubles once.
   */
  void expire(long nowNs, IntUnaryOperator lengthOf, IntConsumer expired) {
    long rto = rtoNs();
    boolean timedOut = false;
    for (int i = 0; i < count; i++) {
      if (nowNs - Math.max(sentNs[i], lastArrivalNs) > rto) {
        int c = chunks[i];
        removeAt(i, lengthOf.applyAsInt(c));
        expired.accept(c);
        timedOut = true;
        i--;
      }
    }
    if (timedOut) {
      consecutiveTimeouts++;
      backoff = Math.min(backoff * 2, MAX_BACKOFF);
    }
  }

  void sampleRtt(long sampleNs) {
    long r = Math.max(sampleNs, 1);
    if (!hasRtt) {
      srttNs = r;
      rttvarNs = r / 2;
      hasRtt = true;
    } else {
      // RFC 6298 section 2.3 with alpha = 1/8 and beta = 1/4.
      rttvarNs = (3 * rttvarNs + Math.abs(srttNs - r)) / 4;
      srttNs = (7 * srttNs + r) / 8;
    }
    minRttNs = Math.min(minRttNs, r);
  }

  void sampleThroughput(int bytes, long intervalNs) {
    if (intervalNs <= 0) {
      return;
    }
    double sample = bytes * (double) NANOS_PER_SECOND / intervalNs;
    if (!hasThroughput) {
      throughput = sample;
      hasThroughput = true;
    } else {
      throughput += THROUGHPUT_EWMA_WEIGHT * (sample - throughput);
    }
  }

  long rtoNs() {
    long base =
        hasRtt
            ? srttNs + Math.max(CLOCK_GRANULARITY_NS, 4 * rttvarNs)
            : INITIAL_RTO_NS;
    base = Math.max(base, MIN_RTO_NS);
    return Math.min(base * backoff, MAX_RTO_NS);
  }

  long rttEstimateNs() {
    return hasRtt ? minRttNs : rttHintNs > 0 ? rttHintNs : INITIAL_RTT_ESTIMATE_NS;
  }

  int pipelineLimit() {
    return hasRtt ? pipelineFor(throughput, minRttNs) : MIN_PIPELINE;
  }

  /**
   * The requests a path delivering {@code bytesPerSecond} over {@code rttNs} round trips takes to
   * keep busy: its bandwidth-delay product in chunks plus one, clamped to [{@link
   * DefaultChunkScheduler#MIN_PIPELINE}, {@link DefaultChunkScheduler#MAX_PIPELINE}].
   */
  static int pipelineFor(double bytesPerSecond, long rttNs) {
    double bdpBytes = bytesPerSecond * rttNs / NANOS_PER_SECOND;
    long chunks = (long) Math.ceil(bdpBytes / CHUNK_LENGTH) + 1;
    return (int) Math.max(MIN_PIPELINE, Math.min(MAX_PIPELINE, chunks));
  }
}
