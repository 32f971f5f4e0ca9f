package io.loudp2p.core.network;

import io.loudp2p.PeerId;
import io.loudp2p.core.internal.LruMap;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * A sample of the peers this peer has heard of that no sender can bias by repeating itself:
 * Brahms's history sampler (Bortnikov et al., "Brahms: Byzantine resilient random membership
 * sampling", 2009). Each of {@code size} samplers keeps, of every peer ID it was shown, the one
 * whose rank under its own secret, random function is the smallest. A peer ID pushed a thousand
 * times counts as much as one seen once, so a sampler's choice is a uniform draw over the distinct
 * IDs seen: an attacker gains a share of the sample only by having a share of the identities, and
 * gains nothing by pushing harder.
 *
 * <p>The rank of an ID for sampler {@code i} is a 64-bit mix of {@code SHA-256(key || id)} with
 * sampler {@code i}'s own constant, where {@code key} is 32 secret random bytes of this peer: an ID
 * cannot be chosen to rank low without the key. Each sampler keeps its {@link #BACKUPS} lowest
 * ranks, so that when its peer is found gone (or no longer FULL, or its record expired) the next
 * lowest takes its place: a refill that, like the choice itself, is blind to how often an ID was
 * pushed.
 *
 * <p>Thread-safe (guarded by this object); time is passed in.
 */
public final class HistorySample {
  /** The lowest-ranked records each sampler keeps: its choice and the ones that replace it. */
  public static final int BACKUPS = 4;
  /** Peers found gone that are remembered, so that relayed copies of their records do not return. */
  public static final int GONE = 1024;

  private final long[] seeds;
  private final byte[] key = new byte[32];
  /** Per sampler, up to {@link #BACKUPS} records by rising rank. */
  private final NodeRecord[][] kept;
  private final long[][] ranks;
  private final int[] counts;
  private final MessageDigest sha256;
  /** Peers found gone, with the highest sequence of theirs seen then. */
  private final Map<PeerId, Long> gone = new LruMap<>(GONE);

  /** {@code size} samplers with keys drawn from {@code random} (a secure one in production). */
  public HistorySample(int size, Random random) {
    if (size < 1) {
      throw new IllegalArgumentException("a history sample needs a sampler: " + size);
    }
    random.nextBytes(key);
    this.seeds = new long[size];
    for (int i = 0; i < size; i++) {
      seeds[i] = random.nextLong();
    }
    this.kept = new NodeRecord[size][BACKUPS];
    this.ranks = new long[size][BACKUPS];
    this.counts = new int[size];
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /**
   * Shows the samplers a FULL peer's checked, valid record. A peer found gone is not taken again
   * from records others pass on (they keep them for an hour after it left), only once it is heard
   * from itself ({@code firstHand}) or signs a newer record.
   */
  public synchronized void offer(NodeRecord record, boolean firstHand) {
    Long goneAt = gone.get(record.id());
    if (goneAt != null) {
      if (!firstHand && record.sequence() <= goneAt) {
        return;
      }
      gone.remove(record.id());
    }
    long hash = hash(record.id());
    for (int i = 0; i < kept.length; i++) {
      offer(i, record, rank(hash, i));
    }
  }

  private void offer(int i, NodeRecord record, long rank) {
    NodeRecord[] k = kept[i];
    long[] r = ranks[i];
    int n = counts[i];
    for (int j = 0; j < n; j++) {
      if (k[j].id().equals(record.id())) {
        if (record.sequence() > k[j].sequence()) {
          k[j] = record;
        }
        return;
      }
    }
    int at = n;
    while (at > 0 && Long.compareUnsigned(rank, r[at - 1]) < 0) {
      at--;
    }
    if (at >= BACKUPS) {
      return;
    }
    int last = Math.min(n, BACKUPS - 1);
    System.arraycopy(k, at, k, at + 1, last - at);
    System.arraycopy(r, at, r, at + 1, last - at);
    k[at] = record;
    r[at] = rank;
    counts[i] = Math.min(n + 1, BACKUPS);
  }

  /** Forgets {@code id} in every sampler (turned LIGHT): the next lowest takes over. */
  public synchronized void invalidate(PeerId id) {
    for (int i = 0; i < kept.length; i++) {
      removeIf(i, id, Long.MIN_VALUE);
    }
  }

  /** Whether {@code id} was found gone and {@code sequence} is no newer than its record then. */
  public synchronized boolean isGone(PeerId id, long sequence) {
    Long goneAt = gone.get(id);
    return goneAt != null && sequence <= goneAt;
  }

  /**
   * Forgets a peer that did not answer, whose record (up to {@code sequence}) then no longer
   * counts when others pass it on; at most {@link #GONE} such peers are remembered.
   */
  public synchronized void gone(PeerId id, long sequence) {
    invalidate(id);
    gone.put(id, sequence);
  }

  /** Forgets the records that are no longer valid at {@code nowMs}. */
  public synchronized void purge(long nowMs) {
    for (int i = 0; i < kept.length; i++) {
      removeIf(i, null, nowMs);
    }
  }

  private void removeIf(int i, @Nullable PeerId id, long nowMs) {
    NodeRecord[] k = kept[i];
    long[] r = ranks[i];
    int w = 0;
    for (int j = 0; j < counts[i]; j++) {
      boolean drop = id != null ? k[j].id().equals(id) : !k[j].validAt(nowMs);
      if (!drop) {
        k[w] = k[j];
        r[w] = r[j];
        w++;
      }
    }
    for (int j = w; j < counts[i]; j++) {
      k[j] = null;
    }
    counts[i] = w;
  }

  /** The distinct records the samplers have chosen, in sampler order. */
  public synchronized List<NodeRecord> sample() {
    List<NodeRecord> out = new ArrayList<>(kept.length);
    for (int i = 0; i < kept.length; i++) {
      if (counts[i] > 0 && !contains(out, kept[i][0].id())) {
        out.add(kept[i][0]);
      }
    }
    return out;
  }

  /** Whether a sampler has chosen {@code id}. */
  public synchronized boolean holds(PeerId id) {
    for (int i = 0; i < kept.length; i++) {
      if (counts[i] > 0 && kept[i][0].id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(List<NodeRecord> records, PeerId id) {
    for (NodeRecord r : records) {
      if (r.id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  private long hash(PeerId id) {
    sha256.update(key);
    byte[] digest = sha256.digest(id.bytes());
    return ByteBuffer.wrap(digest).getLong();
  }

  /** Sampler {@code i}'s rank of an ID whose keyed hash is {@code hash} (SplitMix64's finalizer). */
  private long rank(long hash, int i) {
    long z = hash ^ seeds[i];
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
