package io.loudp2p.transport.grpc.internal;

import io.loudp2p.core.internal.EventRate;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;

/**
 * What one chunk stream has asked for and been answered: the chunks wanted in order, the one
 * being sent, and those answered lately. Over gRPC nothing is lost in flight, so a want of a chunk
 * already queued, being sent, or answered within {@link #REPEAT_WINDOW_SECONDS} (and not
 * cancelled since) is a repeat: one queued or being sent is not sent twice, one answered is
 * answered again (the receiver may have let it go and seeked back), and every repeat counts. Past
 * {@link #MAX_REPEATED_WANTS} repeats in the window the session is misusing the source.
 *
 * <p>Chunk indexes are the wire's uint32 values as Java ints: negative ones are simply indexes no
 * track has. Not thread-safe: its session's lock guards it.
 */
final class WantLedger {
  /** Most chunk indexes one session's want list holds; more is a misbehaving receiver. */
  static final int MAX_WANTED = 4096;

  /**
   * Most repeated wants a session may make in {@link #REPEAT_WINDOW_SECONDS}. A receiver that
   * seeks back asks again for the chunks it let go, once each: a gateway that serves a 1 MB track
   * whole a dozen times in a row makes about 800. 2,048 bound what one session can make a source
   * send again to 32 MiB in the window, where a receiver asking for one chunk over and over would
   * otherwise have it sent as fast as the link goes.
   */
  static final int MAX_REPEATED_WANTS = 2048;

  /** How long an answered chunk is remembered, and the window repeats are counted over. */
  static final int REPEAT_WINDOW_SECONDS = 10;

  /** What a want did. */
  enum Verdict {
    /** Queued: a new want, or a repeat of an answered chunk within the limit. */
    QUEUED,
    /** Already queued or being sent: nothing more to do. */
    PENDING,
    /** The want list is full ({@link #MAX_WANTED}). */
    TOO_MANY_WANTED,
    /** Past {@link #MAX_REPEATED_WANTS} repeats in the window. */
    TOO_MANY_REPEATS
  }

  private final LinkedHashSet<Integer> queue = new LinkedHashSet<>();
  /** Answered chunks and when, oldest first; at most {@link #MAX_WANTED} of them. */
  private final LinkedHashMap<Integer, Long> answeredAtMs = new LinkedHashMap<>();
  private final EventRate repeats = new EventRate(REPEAT_WINDOW_SECONDS);
  private boolean sending;
  private int current;

  /** Records a want of {@code index} at {@code nowMs}. */
  Verdict want(int index, long nowMs) {
    if ((sending && current == index) || queue.contains(index)) {
      return repeat(nowMs) ? Verdict.PENDING : Verdict.TOO_MANY_REPEATS;
    }
    Long answered = answeredAtMs.get(index);
    if (answered != null && nowMs - answered < REPEAT_WINDOW_SECONDS * 1000L && !repeat(nowMs)) {
      return Verdict.TOO_MANY_REPEATS;
    }
    if (queue.size() >= MAX_WANTED) {
      return Verdict.TOO_MANY_WANTED;
    }
    queue.add(index);
    return Verdict.QUEUED;
  }

  private boolean repeat(long nowMs) {
    repeats.record(nowMs);
    return repeats.count(nowMs) <= MAX_REPEATED_WANTS;
  }

  /**
   * Forgets {@code index}: no longer queued, and a later want is a new one (endgame: the receiver
   * got it elsewhere, or gave up on this source for it). True when it was the chunk being sent.
   */
  boolean cancel(int index) {
    queue.remove(index);
    answeredAtMs.remove(index);
    if (sending && current == index) {
      sending = false;
      return true;
    }
    return false;
  }

  /** Whether a chunk is being sent. */
  boolean sending() {
    return sending;
  }

  /** The chunk being sent; only while {@link #sending()}. */
  int current() {
    return current;
  }

  /** Whether anything is queued or being sent. */
  boolean busy() {
    return sending || !queue.isEmpty();
  }

  /** Starts on the next queued chunk; false when none is queued. */
  boolean startNext() {
    Iterator<Integer> it = queue.iterator();
    if (!it.hasNext()) {
      return false;
    }
    current = it.next();
    it.remove();
    sending = true;
    return true;
  }

  /** The chunk being sent is answered (all of it sent, or refused) at {@code nowMs}. */
  void answered(long nowMs) {
    sending = false;
    answeredAtMs.remove(current);
    answeredAtMs.put(current, nowMs);
    Iterator<Long> oldest = answeredAtMs.values().iterator();
    while (oldest.hasNext()) {
      long at = oldest.next();
      if (answeredAtMs.size() <= MAX_WANTED && nowMs - at < REPEAT_WINDOW_SECONDS * 1000L) {
        break;
      }
      oldest.remove();
    }
  }
}
