package io.loudp2p.core.network;

import io.loudp2p.PeerId;
import io.loudp2p.Role;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The few FULL peers a LIGHT peer hands its queries to: at most {@link #LINKS}, the first one
 * preferred. A link that fails is dropped and {@link #refill refilled} from the peers known, so a
 * LIGHT peer moves on when a FULL peer leaves. Thread-safe.
 */
public final class LightLinks {
  /** FULL peers a LIGHT peer keeps. */
  public static final int LINKS = 3;

  /** Peers that failed as links lately, drawn again only when no other candidate is left. */
  static final int SUSPECTS = 12;

  private final List<NodeRecord> links = new ArrayList<>();
  private final java.util.LinkedHashSet<PeerId> suspects = new java.util.LinkedHashSet<>();

  /** The links, preferred first. */
  public synchronized List<NodeRecord> current() {
    return new ArrayList<>(links);
  }

  /** Drops a link that failed or stopped being FULL. */
  public synchronized void failed(PeerId peer) {
    links.removeIf(r -> r.id().equals(peer));
    suspects.remove(peer);
    suspects.add(peer);
    if (suspects.size() > SUSPECTS) {
      suspects.remove(suspects.iterator().next());
    }
  }

  /** Replaces a link's record by a newer one; drops it when it turned LIGHT. */
  public synchronized void update(NodeRecord record) {
    for (int i = 0; i < links.size(); i++) {
      if (links.get(i).id().equals(record.id()) && record.sequence() > links.get(i).sequence()) {
        if (record.role() == Role.LIGHT) {
          links.remove(i);
        } else {
          links.set(i, record);
        }
        return;
      }
    }
  }

  /**
   * Tops the links up to {@link #LINKS} from {@code candidates}, FULL ones only, in random order,
   * the peers that failed as links lately last.
   */
  public synchronized void refill(List<NodeRecord> candidates, Random random) {
    if (links.size() >= LINKS) {
      return;
    }
    List<NodeRecord> pool = new ArrayList<>(candidates);
    Collections.shuffle(pool, random);
    // Peers that failed lately (silent while their calls run to the deadline, say) come last.
    pool.sort(java.util.Comparator.comparing(r -> suspects.contains(r.id())));
    for (NodeRecord r : pool) {
      if (links.size() >= LINKS) {
        break;
      }
      if (r.role() == Role.FULL && links.stream().noneMatch(l -> l.id().equals(r.id()))) {
        links.add(r);
      }
    }
  }

  /**
   * Replaces the link at {@code index} (modulo the count) by a FULL peer of {@code candidates}
   * not linked yet, drawn at random, and returns the link now in that place; null when there are
   * no links. Called in turn on each link, this keeps a LIGHT peer's links a random sample of the
   * FULL peers it knows, rather than the bootstrap peers it met first, which every LIGHT peer
   * would otherwise share.
   */
  public synchronized @Nullable NodeRecord rotate(int index, List<NodeRecord> candidates,
      Random random) {
    if (links.isEmpty()) {
      return null;
    }
    int at = Math.floorMod(index, links.size());
    List<NodeRecord> fresh = new ArrayList<>();
    for (NodeRecord r : candidates) {
      if (r.role() == Role.FULL && links.stream().noneMatch(l -> l.id().equals(r.id()))) {
        fresh.add(r);
      }
    }
    if (!fresh.isEmpty()) {
      links.set(at, fresh.get(random.nextInt(fresh.size())));
    }
    return links.get(at);
  }

  /** How many links there are. */
  public synchronized int size() {
    return links.size();
  }
}
