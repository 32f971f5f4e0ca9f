package io.loudp2p.transport.udp.internal;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What a source session has yet to send, and in which order: UNAVAILABLE answers first, then DATA
 * fragments declared lost, then new fragments of the chunks the receiver wants, in the order it
 * wanted them (see {@link WantList}). It keeps the session's {@link RequestLedger}, so a chunk is
 * sent once per want, and an answer or resend that a later want or a cancel made stale is dropped
 * instead of sent. It only decides what goes next: its {@link SourceConnection} builds and sends
 * the packets, as congestion control and pacing allow.
 *
 * <p>Not thread-safe: its session's I/O thread only.
 */
final class SendQueue {
  /** {@link #next} outcome: nothing to send. */
  static final int NOTHING = 0;
  /** {@link #next} outcome: a stale entry was dropped, or a wanted chunk turned out unavailable. */
  static final int AGAIN = 1;
  /** {@link #next} outcome: the UNAVAILABLE answer at the head of its queue. */
  static final int UNAVAILABLE = 2;
  /** {@link #next} outcome: the lost DATA fragment at the head of its queue. */
  static final int RESEND = 3;
  /** {@link #next} outcome: the next new fragment of the chunk {@link #fresh()}. */
  static final int FRESH = 4;

  /** Chunks a session's request ledger remembers at the least; more with a longer want list. */
  private static final int MIN_LEDGER_ENTRIES = 65_536;

  private final RequestLedger requests;
  private final ArrayDeque<SentPacket> resend = new ArrayDeque<>();
  private final ChunkQueue unavailableDue = new ChunkQueue(UdpSettings.MAX_UNAVAILABLE_QUEUED);
  private final WantList wants;
  /** Where a packet record dropped from the resend queue goes: the session's pool. */
  private final Consumer<SentPacket> release;
  /** The chunk whose fragment {@link #next} last found to send new, if it did. */
  private WantList.@Nullable Want fresh;

  /**
   * @param maxWanted the most chunks wanted at once (see {@link WantList})
   * @param release takes back the records of lost packets that are no longer resent
   */
  SendQueue(DataSessionId id, ChunkProvider provider, int maxWanted,
      Consumer<SentPacket> release) {
    int entries = Math.max(MIN_LEDGER_ENTRIES, Math.min(1 << 24, 4 * maxWanted));
    this.requests = new RequestLedger(Integer.highestOneBit(entries - 1) << 1);
    this.wants = new WantList(id, provider, maxWanted, requests, unavailableDue);
    this.release = release;
  }

  /**
   * Takes a want of {@code chunk} with sequence number {@code seq}, and lists the chunk when the
   * ledger says to send it.
   *
   * @return false, with nothing listed, when the receiver repeated more than {@link
   *     UdpSettings#MAX_REPEATED_WANTS} wants in the window (see {@link #repeats})
   */
  boolean want(int chunk, int seq, long nowNs) {
    int outcome = requests.want(chunk, seq, nowNs);
    if (requests.repeats(nowNs) > UdpSettings.MAX_REPEATED_WANTS) {
      return false;
    }
    if (outcome == RequestLedger.SEND) {
      wants.add(chunk, seq);
    } // else stale, or coalesced with the send of this chunk already made or under way
    return true;
  }

  /** Repeated wants in the window that ends at {@code nowNs}. */
  long repeats(long nowNs) {
    return requests.repeats(nowNs);
  }

  /** Takes a cancel of {@code chunk} with sequence number {@code seq}. */
  void cancel(int chunk, int seq, long nowNs) {
    if (requests.cancel(chunk, seq, nowNs)) {
      wants.cancel(chunk);
    }
  }

  /**
   * What goes next, looked at one step at a time: {@link #UNAVAILABLE}, {@link #RESEND} or {@link
   * #FRESH}, left at the head of its queue until taken; {@link #AGAIN} after dropping an entry no
   * longer current, or queueing the answer to a chunk the provider does not have; or {@link
   * #NOTHING}.
   */
  int next(long nowNs) {
    fresh = null;
    if (!unavailableDue.isEmpty()) {
      if (!requests.current(unavailableDue.peekChunk(), unavailableDue.peekSeq())) {
        unavailableDue.poll(); // asked again or cancelled since
        return AGAIN;
      }
      return UNAVAILABLE;
    }
    SentPacket again = resend.peek();
    if (again != null) {
      if (!requests.current(again.dataChunk, again.dataSeq)) {
        release.accept(resend.poll());
        return AGAIN;
      }
      return RESEND;
    }
    WantList.Want w = wants.next(nowNs);
    if (w == null) {
      return unavailableDue.isEmpty() ? NOTHING : AGAIN;
    }
    fresh = w;
    return FRESH;
  }

  /** The chunk of the UNAVAILABLE answer {@link #next} found; see {@link #pollUnavailable}. */
  int unavailableChunk() {
    return unavailableDue.peekChunk();
  }

  /** The sequence number of the UNAVAILABLE answer {@link #next} found. */
  int unavailableSeq() {
    return unavailableDue.peekSeq();
  }

  /** Takes the UNAVAILABLE answer {@link #next} found, to send it. */
  void pollUnavailable() {
    unavailableDue.poll();
  }

  /** Takes the lost packet {@link #next} found, to send its DATA fragment again. */
  SentPacket pollResend() {
    SentPacket p = resend.poll();
    if (p == null) {
      throw new IllegalStateException("no resend is due");
    }
    return p;
  }

  /** The chunk {@link #next} found a new fragment of; see {@link #advanced}. */
  WantList.Want fresh() {
    WantList.Want w = fresh;
    if (w == null) {
      throw new IllegalStateException("no new fragment is due");
    }
    return w;
  }

  /** {@code n} more bytes of {@code w} went out for the first time. */
  void advanced(WantList.Want w, int n, long nowNs) {
    wants.advanced(w, n, nowNs);
  }

  /** The provider failed to read {@code chunk}: it is answered UNAVAILABLE. */
  void failed(int chunk, int seq) {
    wants.failed(chunk, seq);
  }

  /** The frames of {@code p} were delivered. */
  void acked(SentPacket p) {
    if (p.dataChunk >= 0) {
      requests.dataAcked(p.dataChunk, p.dataSeq, p.dataLength);
    }
    if (p.unavailable) {
      requests.answerAcked(p.unavailableChunk, p.dataSeq);
    }
  }

  /**
   * The frames of {@code p} were lost: its DATA fragment is queued to be resent, or its
   * UNAVAILABLE answer to be sent again, while still current.
   *
   * @return true when {@code p} is kept to resend
   */
  boolean lost(SentPacket p) {
    if (p.dataChunk >= 0 && requests.current(p.dataChunk, p.dataSeq)) {
      resend.add(p);
      return true;
    }
    if (p.unavailable && requests.current(p.unavailableChunk, p.dataSeq)) {
      unavailableDue.add(p.unavailableChunk, p.dataSeq);
    }
    return false;
  }

  /**
   * Drops the resends and UNAVAILABLE answers due, as the session ends; the want list and the
   * ledger stay as they are.
   */
  void clearDue() {
    resend.clear();
    unavailableDue.clear();
  }

  /** Entries queued: chunks wanted, resends and UNAVAILABLE answers due. */
  int size() {
    return wants.size() + resend.size() + unavailableDue.size();
  }
}
