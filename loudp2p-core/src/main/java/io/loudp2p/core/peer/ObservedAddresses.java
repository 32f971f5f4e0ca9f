package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.core.internal.LruMap;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The address this peer has as others see it (PROTOCOL.md §3.1): each answer to a peer exchange
 * says where the request came from, and an address becomes this peer's public one once at least
 * {@link #AGREEING} different peers said so in their latest observations, within {@link #MAX_AGE_MS}.
 * One peer's word is never enough, so that a single liar cannot give this peer a wrong address;
 * the latest observation of at most {@link #MAX_OBSERVERS} peers is kept, the oldest forgotten
 * first.
 *
 * <p>Thread-safe.
 */
final class ObservedAddresses {
  /** Peers that must agree on an address before it is trusted. */
  static final int AGREEING = 2;
  /** Observers remembered. */
  static final int MAX_OBSERVERS = 32;
  /** How long an observation counts: an address changes when a phone changes networks. */
  static final long MAX_AGE_MS = 30 * 60_000L;

  private record Observation(InetAddress address, long atMs) {}

  /** Each observer's latest word, the one heard from least lately forgotten first. */
  private final Map<PeerId, Observation> latest = new LruMap<>(MAX_OBSERVERS); // guarded by this

  /** {@code observer} saw this peer's request come from {@code address} at {@code nowMs}. */
  synchronized void observed(PeerId observer, InetAddress address, long nowMs) {
    latest.put(observer, new Observation(address, nowMs));
  }

  /**
   * The address at least {@link #AGREEING} observers agree on at {@code nowMs} (the most agreed on
   * when several are, the most recently seen of those when tied), or empty.
   */
  synchronized Optional<InetAddress> trusted(long nowMs) {
    Map<InetAddress, Integer> votes = new HashMap<>();
    Map<InetAddress, Long> lastSeen = new HashMap<>();
    for (Observation o : latest.values()) {
      if (nowMs - o.atMs() <= MAX_AGE_MS) {
        votes.merge(o.address(), 1, Integer::sum);
        lastSeen.merge(o.address(), o.atMs(), Math::max);
      }
    }
    @Nullable InetAddress best = null;
    for (Map.Entry<InetAddress, Integer> v : votes.entrySet()) {
      if (v.getValue() < AGREEING) {
        continue;
      }
      if (best == null || v.getValue() > votes.get(best)
          || (v.getValue().equals(votes.get(best)) && lastSeen.get(v.getKey()) > lastSeen.get(best))) {
        best = v.getKey();
      }
    }
    return Optional.ofNullable(best);
  }

  /** Observers remembered now. */
  synchronized int observers() {
    return latest.size();
  }
}
