package io.loudp2p.core.stream.internal;

import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Decides which chunk of a track to request from which source, as pure logic over a clock the
 * caller passes in.
 *
 * <p>The caller reports what happens (sources appearing and going, chunks arriving or failing
 * verification, the playback position moving) and asks {@link #poll(long)} what to do next. An
 * implementation reads no clock, starts no thread and does no I/O, so a test can drive it through
 * hours of simulated streaming in milliseconds. Not thread-safe: one session drives it.
 */
public interface ChunkScheduler {

  /**
   * Adds a source that can serve chunks.
   *
   * @param sourceId the caller's identifier for the source, unique within the session
   * @param availability the chunks the source holds, or {@code null} if it holds all of them; the
   *     scheduler keeps its own copy
   * @param nowNs the current time in nanoseconds
   */
  void addSource(int sourceId, @Nullable BitSet availability, long nowNs);

  /**
   * Marks a source added as this peer's own copy (its shared file or its cache): a chunk it holds
   * is asked of no other source while it can serve it (it neither failed nor timed out on that
   * chunk), however busy it is, so that the network carries only what the disk lacks. The default
   * ignores it.
   */
  default void prefer(int sourceId) {}

  /**
   * Tells how long a round trip to a source took before it was added ({@code rttNs}: its stream
   * initiation, from request to accept; 0 or less when not known): the scheduler may take it as
   * the source's round trip until it measures one. The default ignores it.
   */
  default void hintRtt(int sourceId, long rttNs) {}

  /**
   * Reports that {@code chunk} was asked of a source at {@code sentNs}, in its data session's
   * opening, before the source was added: the request counts as in flight from then, so the chunk is
   * not asked of it again and its answer times the round trip from when it was really sent. Ignored
   * for a source that is not live, a chunk that arrived, is already asked of that source or of as
   * many sources as any chunk may be, or one the source does not hold, and when the source's
   * pipeline is full.
   *
   * @return whether the request now counts as in flight; the caller then wants the chunk of the
   *     open session once more, as a data transport's opening asks for it only where it can
   */
  boolean onRequestedInOpening(int sourceId, int chunk, long sentNs);

  /** Removes a source; its in-flight requests go back to the pool at once. */
  void removeSource(int sourceId, long nowNs);

  /** Reports that a chunk from a source arrived and passed verification. */
  void onChunkReceived(int sourceId, int chunk, long nowNs);

  /** Reports that a chunk from a source failed verification; the source is penalised. */
  void onChunkFailed(int sourceId, int chunk, long nowNs);

  /** Reports that playback reached the start of {@code chunk} at {@code nowNs}. */
  void onPositionChanged(int chunk, long nowNs);

  /**
   * Moves playback to {@code chunk}; requests outside the new window are cancelled and playback
   * is taken to resume as soon as the chunk arrives.
   */
  void seek(int chunk, long nowNs);

  /**
   * Returns what to do now: requests, cancellations, dropped or banned sources, failed chunks.
   *
   * <p>The returned list is reused: it is valid until the next call of any method.
   */
  List<Action> poll(long nowNs);

  /** Returns true once every chunk has arrived. */
  boolean isComplete();

  /** Returns the smoothed round-trip time of a source, or -1 before its first answer or if unknown. */
  long smoothedRttNs(int sourceId);

  /** Returns the delivery rate estimate of a source in bytes per second, or 0 if unknown. */
  double throughputBytesPerSecond(int sourceId);

  /** What an {@link Action} asks the caller to do. */
  enum Kind {
    /** Ask the source for the chunk. */
    REQUEST,
    /** Tell the source the chunk is no longer wanted from it. */
    CANCEL,
    /** The source stopped answering and is no longer used. */
    SOURCE_DROPPED,
    /** The source served corrupt data too often and is banned for the session. */
    SOURCE_BANNED,
    /** The chunk cannot be fetched: no live source has it. */
    FAILED
  }

  /**
   * One decision of the scheduler.
   *
   * @param kind what to do
   * @param source the source concerned, or {@link #NO_SOURCE} for {@link Kind#FAILED}
   * @param chunk the chunk concerned, or {@link #NO_CHUNK} for source-level actions
   * @param reason a human-readable reason for {@link Kind#FAILED}, dropped and banned sources
   */
  record Action(Kind kind, int source, int chunk, @Nullable String reason) {
    /** The source field of an action that concerns no source. */
    public static final int NO_SOURCE = -1;

    /** The chunk field of an action that concerns no chunk. */
    public static final int NO_CHUNK = -1;

    /** Validates the kind. */
    public Action {
      Objects.requireNonNull(kind, "kind");
    }

    /** Returns a request of {@code chunk} from {@code source}. */
    public static Action request(int source, int chunk) {
      return new Action(Kind.REQUEST, source, chunk, null);
    }

    /** Returns a cancellation of {@code chunk} at {@code source}. */
    public static Action cancel(int source, int chunk) {
      return new Action(Kind.CANCEL, source, chunk, null);
    }

    /** Returns the notice that {@code source} was dropped. */
    public static Action sourceDropped(int source, String reason) {
      return new Action(Kind.SOURCE_DROPPED, source, NO_CHUNK, reason);
    }

    /** Returns the notice that {@code source} was banned. */
    public static Action sourceBanned(int source, String reason) {
      return new Action(Kind.SOURCE_BANNED, source, NO_CHUNK, reason);
    }

    /** Returns the notice that {@code chunk} cannot be fetched. */
    public static Action failed(int chunk, String reason) {
      return new Action(Kind.FAILED, NO_SOURCE, chunk, reason);
    }
  }
}
