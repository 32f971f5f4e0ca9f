package io.loudp2p.core.peer;

import io.loudp2p.core.network.NodeRecord;
import java.net.InetSocketAddress;

/**
 * A LIGHT peer's links to FULL peers: keeps them filled from the view and, every few shuffle
 * periods, moves one in turn to a random FULL peer and greets it. Owns the turn counter (timer
 * thread only); the links themselves live in the {@link PeerStore}.
 */
final class LinkKeeper {
  private final PeerContext ctx;
  private final PeerStore store;
  private final Exchanges exchanges;
  /** Which link {@link #check} greets next; timer thread only. */
  private int turn;

  LinkKeeper(PeerContext ctx, PeerStore store, Exchanges exchanges) {
    this.ctx = ctx;
    this.store = store;
    this.exchanges = exchanges;
  }

  /** Fills the links up from the FULL peers of the view. */
  void refresh() {
    store.links().refill(store.fullNeighbours(), ctx.random);
  }

  /**
   * Moves one FULL link, in turn, to a FULL peer of the view drawn at random and greets it, at the
   * cost of one small call (a phone on 3G pays for every one); one that does not answer is
   * replaced. The links so become a random sample of the FULL peers, not the bootstrap peers every
   * LIGHT peer met first. A link that fails or keeps silent while it is used is replaced at once
   * (see {@link SearchClient}).
   */
  void check() {
    refresh();
    NodeRecord link = store.links().rotate(turn++, store.fullNeighbours(), ctx.random);
    if (link == null) {
      return;
    }
    InetSocketAddress address = PeerStore.controlAddress(link);
    if (address == null) {
      store.links().failed(link.id());
      return;
    }
    exchanges.exchange(address).exceptionally(t -> {
      store.markGone(link.id(), address);
      refresh();
      return null;
    });
  }
}
