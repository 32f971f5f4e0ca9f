package io.loudp2p.core.stream.internal;

import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.NANOS_PER_SECOND;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.NONE;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The sources a {@link DefaultChunkScheduler} can ask, and the choice of which to ask for a chunk.
 *
 * <p>It keeps the live sources, by ID and in the order they joined, how many of them hold each
 * chunk, the IDs banned for the session, and which source is this peer's own copy. It picks, for
 * a chunk, the live source that would deliver it first (see {@link #fastest}). It keeps no
 * requests: the scheduler empties a source's queue before taking it off the roster. Owned by its
 * scheduler; not thread-safe.
 */
final class SourceRoster {
  private final Map<Integer, ScheduledSource> byId = new HashMap<>();
  private final List<ScheduledSource> live = new ArrayList<>();
  private final Set<Integer> banned = new HashSet<>();
  private final ChunkHolders holders;
  /** This peer's own copy, asked first for what it holds (see {@link #prefer}); or NONE. */
  private int preferred = NONE;
  private boolean everJoined;

  SourceRoster(int chunkCount) {
    this.holders = new ChunkHolders(chunkCount);
  }

  /** Adds {@code source} to the live sources, after those already there. */
  void add(ScheduledSource source) {
    byId.put(source.id, source);
    live.add(source);
    holders.add(source.have);
    everJoined = true;
  }

  /** Takes {@code source} off the live sources; it may join again unless banned. */
  void remove(ScheduledSource source) {
    byId.remove(source.id);
    live.remove(source);
    holders.remove(source.have);
  }

  /** Bans {@code sourceId} for the session: it can no longer join. */
  void ban(int sourceId) {
    banned.add(sourceId);
  }

  /** Returns whether {@code sourceId} is banned for the session. */
  boolean isBanned(int sourceId) {
    return banned.contains(sourceId);
  }

  /** Marks {@code sourceId} as this peer's own copy, whether or not it is live yet. */
  void prefer(int sourceId) {
    preferred = sourceId;
  }

  /** Returns whether any source has ever joined, even one gone since. */
  boolean everJoined() {
    return everJoined;
  }

  /** Returns the live source {@code sourceId}, or null if there is none. */
  @Nullable ScheduledSource get(int sourceId) {
    return byId.get(sourceId);
  }

  /** Returns the live source {@code sourceId}; throws if there is none. */
  ScheduledSource require(int sourceId) {
    ScheduledSource s = byId.get(sourceId);
    if (s == null) {
      throw new IllegalArgumentException("no live source " + sourceId);
    }
    return s;
  }

  /** Returns how many sources are live. */
  int size() {
    return live.size();
  }

  /** Returns the live source at {@code index} in the order they joined. */
  ScheduledSource at(int index) {
    return live.get(index);
  }

  /**
   * Returns how many requests the live sources other than this peer's own copy have in flight,
   * all together: what comes over the network.
   */
  int inFlightOverNetwork() {
    int n = 0;
    for (int k = 0; k < live.size(); k++) {
      ScheduledSource s = live.get(k);
      n += s.id == preferred ? 0 : s.count;
    }
    return n;
  }

  /**
   * Returns how many requests one source alone would have in flight over the network, were it to
   * bring what all bring: the largest pipeline limit of a live source other than this peer's own
   * copy, or the pipeline of all of them together ({@link ScheduledSource#pipelineFor} their
   * delivery rates summed, over the shortest round trip) when more: sources that share one link
   * into this peer each measure a share of its rate.
   */
  int widestNetworkPipeline() {
    int widest = 0;
    double rate = 0;
    long rttNs = Long.MAX_VALUE;
    for (int k = 0; k < live.size(); k++) {
      ScheduledSource s = live.get(k);
      if (s.id != preferred) {
        widest = Math.max(widest, s.pipelineLimit());
        if (s.hasRtt && s.hasThroughput) {
          rate += s.throughput;
          rttNs = Math.min(rttNs, s.rttEstimateNs());
        }
      }
    }
    return rttNs == Long.MAX_VALUE ? widest
        : Math.max(widest, ScheduledSource.pipelineFor(rate, rttNs));
  }

  /** Returns whether {@code source} is this peer's own copy, which the network does not carry. */
  boolean isOwnCopy(ScheduledSource source) {
    return source.id == preferred;
  }

  /** Returns how many live sources hold {@code chunk}. */
  int holders(int chunk) {
    return holders.count(chunk);
  }

  /**
   * Returns the live source with a free pipeline slot that would complete {@code chunk} ({@code
   * length} bytes long) first, by its estimated completion {@code (queued bytes + length) /
   * throughput + RTT}, other than {@code exclude}. While this peer's own copy holds the chunk and
   * is not the {@code avoided} source, no other is chosen. The {@code avoided} source, the one that
   * last failed or timed out on this chunk, is chosen only if {@code allowAvoided} and no other can
   * serve. Returns null if no source can serve.
   */
  @Nullable ScheduledSource fastest(
      int chunk, int length, int avoided, int exclude, boolean allowAvoided) {
    ScheduledSource best = null;
    long bestNs = Long.MAX_VALUE;
    boolean bestAvoided = true;
    ScheduledSource own = byId.get(preferred);
    boolean ownServes = own != null && own.has(chunk) && avoided != own.id;
    for (int k = 0; k < live.size(); k++) {
      ScheduledSource s = live.get(k);
      if (s.id == exclude || !s.has(chunk) || s.count >= s.pipelineLimit()
          || (ownServes && s != own)) {
        continue;
      }
      boolean isAvoided = avoided == s.id;
      if (isAvoided && !allowAvoided) {
        continue;
      }
      long completionNs =
          (long) ((s.queuedBytes + length) * (double) NANOS_PER_SECOND / s.throughput)
              + s.rttEstimateNs();
      if (best == null
          || (bestAvoided && !isAvoided)
          || (isAvoided == bestAvoided && completionNs < bestNs)) {
        best = s;
        bestNs = completionNs;
        bestAvoided = isAvoided;
      }
    }
    return best;
  }
}
