package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.network.NodeRecord;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joining and staying known: greets the bootstrap peers until one answers, backing off between
 * rounds, and every half record lifetime signs this peer's record again and greets one peer of
 * the table. Owns the bootstrap round and its back-off; thread-safe.
 */
final class Greeter {
  private static final Logger log = LoggerFactory.getLogger(Loggers.PEER);
  private static final Logger discovery = LoggerFactory.getLogger(Loggers.DISCOVERY);
  private static final Logger network = LoggerFactory.getLogger(Loggers.NETWORK);

  /** First and longest wait before greeting the bootstrap peers again while none answered. */
  static final Duration BOOTSTRAP_RETRY = Duration.ofSeconds(1);
  static final Duration BOOTSTRAP_RETRY_MAX = Duration.ofMinutes(1);
  /**
   * How often a peer listening on the wildcard address looks whether its host's addresses
   * changed.
   */
  static final Duration ADDRESS_CHECK_PERIOD = Duration.ofSeconds(2);
  /** How often a peer greets one peer it lost and one bootstrap peer out of its view. */
  static final Duration RECONNECT_PERIOD = Duration.ofMinutes(1);

  private final PeerContext ctx;
  private final ControlClient client;
  private final PeerStore store;
  private final SelfRecord self;
  private final RoleState roles;
  private final Exchanges exchanges;
  private final LinkKeeper links;
  private final AtomicBoolean bootstrapping = new AtomicBoolean();
  private volatile long retryMs = BOOTSTRAP_RETRY.toMillis();

  Greeter(PeerContext ctx, ControlClient client, PeerStore store, SelfRecord self,
      RoleState roles, Exchanges exchanges, LinkKeeper links) {
    this.ctx = ctx;
    this.client = client;
    this.store = store;
    this.self = self;
    this.roles = roles;
    this.exchanges = exchanges;
    this.links = links;
  }

  /**
   * Greets the bootstrap peers; while none answered, tries again later, waiting twice as long each
   * time (up to {@link #BOOTSTRAP_RETRY_MAX}). One round at a time: a call while one is under way
   * or waiting to retry does nothing. Never blocks.
   *
   * @return completes with whether any bootstrap peer answered this round
   */
  CompletableFuture<Boolean> bootstrap() {
    if (ctx.config.bootstrap().isEmpty() || ctx.closed()
        || !bootstrapping.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(false);
    }
    List<CompletableFuture<Boolean>> greetings = new ArrayList<>();
    List<NodeRecord> answering = new CopyOnWriteArrayList<>();
    for (InetSocketAddress address : ctx.config.bootstrap()) {
      PeerId expected = ctx.config.bootstrapIds().get(address);
      greetings.add(exchanges.exchange(address, expected).thenApply(id -> {
        if (expected == null) {
          log.info("bootstrap peer {} is {}", address, id); // first contact: whoever answered
        }
        NodeRecord n = store.view().get(id);
        if (n != null) {
          answering.add(n);
        }
        return true;
      }).exceptionally(t -> {
        log.warn("bootstrap peer {} did not answer: {}", address, t.getMessage());
        return false;
      }));
    }
    return CompletableFuture.allOf(greetings.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      boolean answered = false;
      for (CompletableFuture<Boolean> g : greetings) {
        answered |= g.join();
      }
      if (answered) {
        retryMs = BOOTSTRAP_RETRY.toMillis();
        // The bootstrap peers were chosen by the user: a LIGHT peer relies on them first.
        store.links().refill(answering, ctx.random);
        links.refresh();
        bootstrapping.set(false);
      } else if (!ctx.closed()) {
        long wait = retryMs;
        retryMs = Math.min(wait * 2, BOOTSTRAP_RETRY_MAX.toMillis());
        log.info("no bootstrap peer answered; trying again in {} ms", wait);
        boolean scheduled = ctx.schedule(() -> {
          bootstrapping.set(false);
          if (store.view().size() == 0) {
            bootstrap();
          }
        }, wait);
        if (!scheduled) {
          bootstrapping.set(false); // closed meanwhile
        }
      } else {
        bootstrapping.set(false);
      }
      return answered;
    });
  }

  /**
   * Heals partitions: greets one peer of the table that stopped answering (its record still
   * valid), and one bootstrap peer that is not in the view (unless the view is empty: then the
   * bootstrap rounds greet them all). When a link between two parts of the
   * network comes back, neither part's view knows the other any more and neither is empty (so
   * neither bootstraps again): these greetings are what joins them, within a period or two. A
   * peer that answers is in the table and the view again; one that does not costs a call a
   * minute.
   */
  void reconnect() {
    if (ctx.closed()) {
      return;
    }
    try {
      List<PeerTable.Entry> lost = new ArrayList<>();
      for (PeerTable.Entry e : store.table().all()) {
        if (!e.reachable() && e.control() != null) {
          lost.add(e);
        }
      }
      if (!lost.isEmpty()) {
        greet(lost.get(ctx.random.nextInt(lost.size())).control());
      }
      // With an empty view the bootstrap rounds (and their back-off) do this.
      List<NodeRecord> view = store.view().neighbours();
      List<InetSocketAddress> away = new ArrayList<>(view.isEmpty() ? List.of()
          : ctx.config.bootstrap());
      for (NodeRecord n : view) {
        away.remove(store.controlOf(n.id()));
      }
      if (!away.isEmpty()) {
        greet(away.get(ctx.random.nextInt(away.size())));
      }
    } catch (RuntimeException e) {
      discovery.warn("greeting lost peers failed", e);
    }
  }

  private void greet(InetSocketAddress address) {
    exchanges.exchange(address, ctx.config.bootstrapIds().get(address)).exceptionally(t -> {
      client.disconnect(address); // still away: release what was kept for it
      return null;
    });
  }

  /**
   * Tells the network when this host's addresses changed (a phone that left Wi-Fi for 3G): signs
   * a record with the new addresses and a higher sequence and greets, with it, every peer of the
   * view and every link at once, so that the peers it deals with reach it at the new address
   * within a round trip and pass the record on in their exchanges. When an address went away,
   * the connections to them are made again first: those bound to it are dead, and would hold the
   * greeting until its deadline; when one merely came, the connections stay.
   */
  void checkAddresses() {
    if (ctx.closed()) {
      return;
    }
    try {
      if (!self.moved()) {
        return;
      }
      boolean lost = self.lostAnAddress();
      self.resign(roles.role());
      network.info("this host's addresses changed: announcing a new record");
      java.util.Set<InetSocketAddress> told = new java.util.LinkedHashSet<>();
      List<NodeRecord> neighbours = new ArrayList<>(store.view().neighbours());
      neighbours.addAll(store.links().current());
      for (NodeRecord n : neighbours) {
        InetSocketAddress address = PeerStore.controlAddress(n);
        if (address != null && told.add(address)) {
          if (lost) {
            client.disconnect(address);
          }
          greet(address);
        }
      }
    } catch (RuntimeException e) {
      network.warn("announcing this peer's new addresses failed", e);
    }
  }

  /** Signs this peer's record again and greets one peer of the table, to learn it still answers. */
  void refresh() {
    try {
      self.resign(roles.role());
      for (PeerTable.Entry e : store.table().sample(1, ctx.random)) {
        if (e.control() != null) {
          InetSocketAddress address = e.control();
          exchanges.exchange(address).exceptionally(t -> {
            // It went away (or moved): mark it and release the connection kept to it.
            store.table().reachable(e.record().peerId(), false);
            client.disconnect(address);
            return null;
          });
        }
      }
    } catch (RuntimeException e) {
      discovery.warn("refreshing the peer record failed", e);
    }
  }
}
