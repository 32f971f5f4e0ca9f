package io.loudp2p.transport.udp.internal;

import io.loudp2p.core.internal.EventRate;

/**
 * What a source session remembers of each chunk its receiver asked about, and the rule that a
 * chunk is sent to a session once per request: a want is {@link #SEND sent}, ignored as
 * {@link #STALE} (not newer than the last entry for the chunk: a REQUEST retransmitted or
 * reordered), or ignored as {@link #REDUNDANT} when the chunk is already queued, or in flight (sent
 * less than {@link #REWANT_INTERVAL_NS} ago and not yet acknowledged whole) with no cancel since:
 * the send under way answers it, so wants repeated faster than the chunk travels cannot multiply
 * what the source sends. Any other want sends the chunk again from its start: one after a cancel,
 * one after that interval, and one of a chunk the receiver acknowledged whole, since it evidently
 * let its copy go (a player seeking back does). Redundant wants, and wants of a chunk acknowledged
 * whole within that interval of its last send (with or without a cancel between), are
 * <em>repeats</em>: the ledger counts them over the last {@link UdpSettings#REPEAT_WINDOW_SECONDS}
 * seconds, so that the session can stop a receiver that asks for the same chunks over and over
 * faster than any player seeks. Loss recovery is the transport's own business and never counts.
 *
 * <p>An entry's {@linkplain #current current} send is the one started by the want with sequence
 * number {@code sendSeq}: DATA and UNAVAILABLE packets carry it, and a lost one is resent only while
 * it is current.
 *
 * <p>An open-addressing table over parallel arrays, grown by doubling up to {@code maxEntries}; when
 * full it forgets first the chunks it owes nothing for, then those delivered longest ago. Lookups
 * allocate nothing. Not thread-safe: its session's I/O thread only.
 */
final class RequestLedger {
  /**
   * How long after a chunk was sent in full a want of it is redundant (while not acknowledged
   * whole) or a repeat (once it is).
   */
  static final long REWANT_INTERVAL_NS = 2_000_000_000L;

  /** {@link #want} outcome: older than the chunk's last entry; ignored. */
  static final int STALE = 0;
  /** {@link #want} outcome: send the chunk from its start. */
  static final int SEND = 1;
  /** {@link #want} outcome: the chunk is queued or in flight; ignored, and counted. */
  static final int REDUNDANT = 2;

  private static final byte EMPTY = 0;
  /** Nothing owed: answered and acknowledged, or cancelled before the receiver had it whole. */
  private static final byte IDLE = 1;
  /** Cancelled after the receiver acknowledged it whole. */
  private static final byte IDLE_DELIVERED = 2;
  /** Wanted and not yet sent in full. */
  private static final byte QUEUED = 3;
  /** Every fragment sent at least once (lost ones are resent). */
  private static final byte SENT = 4;
  /** Answered (or to be answered) UNAVAILABLE. */
  private static final byte ANSWERING = 5;

  private final int maxEntries;
  private int[] keys;
  private int[] seqs;
  private int[] sendSeqs;
  private byte[] states;
  private int[] lengths;
  private int[] ackedBytes;
  private long[] sentNs;
  private int size;
  private final EventRate repeats = new EventRate(UdpSettings.REPEAT_WINDOW_SECONDS);

  /** @param maxEntries the most chunks remembered at once; a power of two of at least 64 */
  RequestLedger(int maxEntries) {
    if (maxEntries < 64 || Integer.bitCount(maxEntries) != 1) {
      throw new IllegalArgumentException("maxEntries must be a power of two >= 64: " + maxEntries);
    }
    this.maxEntries = maxEntries;
    allocate(128);
  }

  private void allocate(int slots) {
    keys = new int[slots];
    seqs = new int[slots];
    sendSeqs = new int[slots];
    states = new byte[slots];
    lengths = new int[slots];
    ackedBytes = new int[slots];
    sentNs = new long[slots];
    size = 0;
  }

  /** Repeated wants in the window that ends at {@code nowNs}. */
  long repeats(long nowNs) {
    return repeats.count(nowNs / 1_000_000L);
  }

  /** Chunks remembered. */
  int size() {
    return size;
  }

  /** Takes a want of {@code chunk} with sequence number {@code seq}; see the class comment. */
  int want(int chunk, int seq, long nowNs) {
    int i = newerEntry(chunk, seq, nowNs);
    if (i < 0) {
      return STALE;
    }
    byte state = states[i];
    boolean recent = nowNs - sentNs[i] < REWANT_INTERVAL_NS;
    if (state == QUEUED || (state == SENT && recent && !delivered(i))) {
      repeats.record(nowNs / 1_000_000L);
      return REDUNDANT;
    }
    if ((state == SENT || state == IDLE_DELIVERED) && recent) {
      repeats.record(nowNs / 1_000_000L); // served, as the receiver let its copy go, but counted
    }
    states[i] = QUEUED;
    sendSeqs[i] = seq;
    ackedBytes[i] = 0;
    lengths[i] = -1;
    return SEND;
  }

  /** Takes a cancel; returns false when it is stale (and so ignored). */
  boolean cancel(int chunk, int seq, long nowNs) {
    int i = newerEntry(chunk, seq, nowNs);
    if (i < 0) {
      return false;
    }
    states[i] = delivered(i) ? IDLE_DELIVERED : IDLE;
    return true;
  }

  /**
   * The slot of {@code chunk}, its entry now stamped with {@code seq} (a new entry keeps the state
   * EMPTY for the caller to set), or -1 when {@code seq} is not newer than the entry's: stale.
   */
  private int newerEntry(int chunk, int seq, long nowNs) {
    int i = slotFor(chunk, nowNs);
    if (states[i] != EMPTY && seq - seqs[i] <= 0) {
      return -1;
    }
    if (states[i] == EMPTY) {
      keys[i] = chunk;
      size++;
    }
    seqs[i] = seq;
    return i;
  }

  /** Whether packets of the send started by the want {@code seq} of {@code chunk} still count. */
  boolean current(int chunk, int seq) {
    int i = find(chunk);
    byte state = states[i];
    return state >= QUEUED && sendSeqs[i] == seq;
  }

  /** The current send of {@code chunk} put its last fragment on the wire for the first time. */
  void sent(int chunk, int seq, int length, long nowNs) {
    int i = find(chunk);
    if (states[i] == QUEUED && sendSeqs[i] == seq) {
      states[i] = SENT;
      lengths[i] = length;
      sentNs[i] = nowNs;
    }
  }

  /** The current send of {@code chunk} turned into an UNAVAILABLE answer. */
  void answering(int chunk, int seq) {
    int i = find(chunk);
    if (states[i] >= QUEUED && sendSeqs[i] == seq) {
      states[i] = ANSWERING;
    }
  }

  /** A DATA fragment of {@code length} bytes of the send {@code seq} was acknowledged. */
  void dataAcked(int chunk, int seq, int length) {
    int i = find(chunk);
    if (states[i] >= QUEUED && sendSeqs[i] == seq) {
      ackedBytes[i] += length;
    }
  }

  /** The UNAVAILABLE answering the want {@code seq} was acknowledged: nothing more is owed. */
  void answerAcked(int chunk, int seq) {
    int i = find(chunk);
    if (states[i] == ANSWERING && sendSeqs[i] == seq) {
      states[i] = delivered(i) ? IDLE_DELIVERED : IDLE;
    }
  }

  private boolean delivered(int i) {
    return states[i] == SENT && ackedBytes[i] >= lengths[i];
  }

  private static int hash(int chunk) {
    int h = chunk * 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  /** The slot holding {@code chunk}, or the empty one where it would go. */
  private int find(int chunk) {
    int mask = keys.length - 1;
    int i = hash(chunk) & mask;
    while (states[i] != EMPTY && keys[i] != chunk) {
      i = (i + 1) & mask;
    }
    return i;
  }

  /** The slot of {@code chunk}, making room for a new entry first when the table is half full. */
  private int slotFor(int chunk, long nowNs) {
    int i = find(chunk);
    if (states[i] != EMPTY || 2 * (size + 1) <= keys.length) {
      return i;
    }
    if (keys.length < 2 * maxEntries) {
      rebuild(2 * keys.length, nowNs, KEEP_ALL);
      return find(chunk);
    }
    // Full: forget what is owed nothing and was delivered long ago; if that is not enough, the
    // recent deliveries too (a want of one is then served again), then all but the want list.
    // What is being sent or answered is bounded by the want list, the UNAVAILABLE queue and the
    // packets in flight, so the second step always suffices with the sizes the session uses.
    for (int policy = KEEP_OWED_OR_RECENT; policy <= KEEP_QUEUED; policy++) {
      rebuild(keys.length, nowNs, policy);
      if (4 * size <= 3 * maxEntries) {
        break;
      }
    }
    return find(chunk);
  }

  private static final int KEEP_ALL = 0;
  private static final int KEEP_OWED_OR_RECENT = 1;
  private static final int KEEP_OWED = 2;
  private static final int KEEP_QUEUED = 3;

  private boolean keep(int i, long nowNs, int policy) {
    byte state = states[i];
    if (policy == KEEP_ALL || state == QUEUED) {
      return true;
    }
    if (policy == KEEP_QUEUED) {
      return false;
    }
    if (state == ANSWERING || (state == SENT && !delivered(i))) {
      return true; // an answer or fragments may still be resent
    }
    return policy == KEEP_OWED_OR_RECENT && state != IDLE
        && nowNs - sentNs[i] < REWANT_INTERVAL_NS;
  }

  private void rebuild(int slots, long nowNs, int policy) {
    int[] oldKeys = keys;
    int[] oldSeqs = seqs;
    int[] oldSendSeqs = sendSeqs;
    byte[] oldStates = states;
    int[] oldLengths = lengths;
    int[] oldAcked = ackedBytes;
    long[] oldSent = sentNs;
    boolean[] kept = new boolean[oldKeys.length];
    for (int i = 0; i < oldKeys.length; i++) {
      kept[i] = oldStates[i] != EMPTY && keep(i, nowNs, policy);
    }
    allocate(slots);
    for (int i = 0; i < oldKeys.length; i++) {
      if (kept[i]) {
        int j = find(oldKeys[i]);
        keys[j] = oldKeys[i];
        seqs[j] = oldSeqs[i];
        sendSeqs[j] = oldSendSeqs[i];
        states[j] = oldStates[i];
        lengths[j] = oldLengths[i];
        ackedBytes[j] = oldAcked[i];
        sentNs[j] = oldSent[i];
        size++;
      }
    }
  }
}
