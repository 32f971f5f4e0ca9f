package io.loudp2p.core.stream.internal;

import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.ENDGAME_SLACK_RTTS;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.MAX_AHEAD_CHUNKS;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.MAX_HEDGES;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.NONE;

import io.loudp2p.core.stream.internal.ChunkScheduler.Action;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the requests a {@link DefaultChunkScheduler} sends at each poll.
 *
 * <p>It walks the chunks not yet arrived from the playback position, up to the buffer or {@link
 * DefaultChunkScheduler#MAX_AHEAD_CHUNKS} chunks ahead. A chunk due within the window and not in
 * flight is requested from the source that would complete it first; one in flight from a single
 * source whose deadline is less than {@link DefaultChunkScheduler#ENDGAME_SLACK_RTTS} round trips
 * away is requested again from another (endgame). The chunks beyond the window that are not in
 * flight are then prefetched, those the fewest live sources hold first. Each request is put on the
 * source's queue, recorded in the chunk's copies and added to the actions. It keeps no state of its
 * own but a scratch array: it works on its scheduler's. Owned by its scheduler; not thread-safe.
 */
final class RequestPlanner {
  private final int chunkCount;
  private final IntUnaryOperator lengthOf;
  private final BitSet arrived;
  private final ChunkCopies copies;
  private final SourceRoster sources;
  private final PlaybackDeadlines deadlines;
  /** The chunks to prefetch at this poll, each as its holder count above its index. */
  private final long[] prefetch;
  /** How much buffered playback ends the start's bounds ({@link #room}, late copies). */
  private final long urgentBufferNs;
  /** Whether this poll is one of the start's: less than {@link #urgentBufferNs} is buffered. */
  private boolean urgent;
  /**
   * Requests over the network this poll may still send: bounded while {@link #urgent}, else
   * unbounded ({@link Integer#MAX_VALUE}).
   */
  private int room;

  /**
   * Creates the planner of a scheduler over its state: the chunks that have {@code arrived}, the
   * requests in flight of each chunk ({@code copies}), its live {@code sources} and the playback
   * {@code deadlines}; {@code lengthOf} gives a chunk's length. While less than {@code
   * urgentBufferNs} of playback is buffered, the requests over the network are bounded and an
   * endgame copy waits for its holder to be late.
   */
  RequestPlanner(
      int chunkCount,
      IntUnaryOperator lengthOf,
      BitSet arrived,
      ChunkCopies copies,
      SourceRoster sources,
      PlaybackDeadlines deadlines,
      long urgentBufferNs) {
    this.chunkCount = chunkCount;
    this.lengthOf = lengthOf;
    this.arrived = arrived;
    this.copies = copies;
    this.sources = sources;
    this.deadlines = deadlines;
    this.urgentBufferNs = urgentBufferNs;
    this.prefetch = new long[chunkCount];
  }

  /** Sends the requests due at {@code nowNs}, adding each to {@code actions}. */
  void plan(long nowNs, List<Action> actions) {
    if (sources.size() == 0) {
      return;
    }
    long windowEndNs = deadlines.windowEndNs(nowNs);
    long bufferEndNs = deadlines.bufferEndNs(nowNs);
    int position = deadlines.position();
    int firstMissing = arrived.nextClearBit(position);
    // While little is buffered, no more is in flight over the network than one source alone
    // would have: the sources' chunks may share one link into this peer (a phone's), where
    // chunks in flight together all come late together, the one the player needs next among
    // them. An endgame copy is not counted: there is at most one (MAX_HEDGES).
    urgent = deadlines.deadlineNs(firstMissing, nowNs) - nowNs < urgentBufferNs;
    room = urgent
        ? sources.widestNetworkPipeline() - (sources.inFlightOverNetwork() - copies.doubled())
        : Integer.MAX_VALUE;
    int prefetchCount = 0;
    for (int c = firstMissing; c < chunkCount; c = arrived.nextClearBit(c + 1)) {
      long deadline = deadlines.deadlineNs(c, nowNs);
      if (deadline > bufferEndNs || c >= position + MAX_AHEAD_CHUNKS) {
        break;
      }
      int copies = this.copies.count(c);
      if (deadline <= windowEndNs) {
        if (copies == 0) {
          ScheduledSource best = bestSource(c, NONE, true);
          if (best != null) {
            send(best, c, nowNs, actions);
            copies = 1;
          }
        }
        if (copies == 1) {
          ScheduledSource holder = sources.get(this.copies.first(c));
          long rtt = holder == null ? ScheduledSource.INITIAL_RTT_ESTIMATE_NS : holder.rttEstimateNs();
          // While little is buffered, a copy shares the link with the request it hedges: it is
          // sent only once the holder is late, two round trips without an answer (one, and the
          // chunk's time on a slow link).
          int asked = holder == null ? -1 : holder.indexOf(c);
          boolean late = !urgent || asked < 0
              || nowNs - holder.sentNs[asked] >= ENDGAME_SLACK_RTTS * rtt;
          if (deadline - nowNs < ENDGAME_SLACK_RTTS * rtt && this.copies.doubled() < MAX_HEDGES
              && late) {
            // A copy takes no room: there is one at most.
            ScheduledSource other = sources.fastest(
                c, lengthOf.applyAsInt(c), this.copies.avoided(c), this.copies.first(c), false);
            if (other != null) {
              int left = room;
              send(other, c, nowNs, actions);
              room = left;
            }
          }
        }
      } else if (copies == 0 && sources.holders(c) > 0) {
        prefetch[prefetchCount++] = ((long) sources.holders(c) << 32) | c;
      }
    }
    if (prefetchCount > 0) {
      Arrays.sort(prefetch, 0, prefetchCount);
      for (int k = 0; k < prefetchCount; k++) {
        int c = (int) prefetch[k];
        ScheduledSource best = bestSource(c, NONE, true);
        if (best != null) {
          send(best, c, nowNs, actions);
        }
      }
    }
  }

  /**
   * Returns the live source with a free pipeline slot that would complete {@code chunk} first,
   * other than {@code exclude}; see {@link SourceRoster#fastest}. Null as well when that source
   * is reached over the network and this poll has no {@link #room} left.
   */
  private @Nullable ScheduledSource bestSource(int chunk, int exclude, boolean allowAvoided) {
    ScheduledSource best = sources.fastest(
        chunk, lengthOf.applyAsInt(chunk), copies.avoided(chunk), exclude, allowAvoided);
    return best == null || room > 0 || sources.isOwnCopy(best) ? best : null;
  }

  private void send(ScheduledSource source, int chunk, long nowNs, List<Action> actions) {
    if (!sources.isOwnCopy(source)) {
      room--;
    }
    source.add(chunk, nowNs, lengthOf.applyAsInt(chunk));
    copies.add(chunk, source.id);
    actions.add(Action.request(source.id, chunk));
  }
}
