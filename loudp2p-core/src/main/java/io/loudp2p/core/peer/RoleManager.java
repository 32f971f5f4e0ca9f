package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.network.NodeRecord;
import io.loudp2p.core.network.RolePolicy;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.RoleChange;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Roles (PROTOCOL.md §3.4): asks the role policy every period, and on a change signs a new record
 * and tells the peers that hold the old one; learns the role changes others announce. The role
 * itself lives in {@link RoleState}, which only this class changes.
 */
final class RoleManager {
  private static final Logger log = LoggerFactory.getLogger(Loggers.PEER);

  /** How often this peer asks its role policy. */
  static final Duration ROLE_PERIOD = Duration.ofMinutes(1);

  private final PeerContext ctx;
  private final ControlClient client;
  private final PeerStore store;
  private final SelfRecord self;
  private final RoleState roles;
  private final RolePolicy policy;
  private final Summaries summaries;
  private final Reachability reachability;
  private final LinkKeeper links;
  private final DoubleSupplier load;

  RoleManager(PeerContext ctx, ControlClient client, PeerStore store, SelfRecord self,
      RoleState roles, RolePolicy policy, Summaries summaries, Reachability reachability,
      LinkKeeper links, DoubleSupplier load) {
    this.ctx = ctx;
    this.client = client;
    this.store = store;
    this.self = self;
    this.roles = roles;
    this.policy = policy;
    this.summaries = summaries;
    this.reachability = reachability;
    this.links = links;
    this.load = load;
  }

  /** Asks the role policy; on a change, signs a new record and tells the neighbours. */
  void reconsider() {
    try {
      reachability.askIfDue();
      long now = ctx.nowMs();
      Role role = roles.role();
      Role next = policy.decide(new RolePolicy.Inputs(role, roles.runningMs(now),
          roles.inRoleMs(now), roles.reachedWithin(Reachability.REACHABLE_FOR, now),
          load.getAsDouble()));
      if (next != role) {
        change(next);
      }
    } catch (RuntimeException e) {
      log.warn("reconsidering the role failed", e);
    }
  }

  /** Takes the role {@code next}, signs a new record and tells the peers that hold the old one. */
  void change(Role next) {
    Role before = roles.role();
    log.info("{} changes role from {} to {}", ctx.self(), before, next);
    roles.change(next, ctx.nowMs());
    if (before != next) {
      ctx.events.roleChanged(before, next);
    }
    self.resign(next);
    summaries.summarize();
    byte[] announce = ctx.seal(Payload.newBuilder().setRoleChange(
        RoleChange.newBuilder().setRecord(self.current())));
    // Those that hold this peer's record: its view and links, and the peers that lately sent it
    // their summaries (they shuffled with it, so it is likely in their views).
    Map<PeerId, InetSocketAddress> tell = new LinkedHashMap<>();
    List<NodeRecord> known = new ArrayList<>(store.view().neighbours());
    known.addAll(store.links().current());
    for (NodeRecord n : known) {
      InetSocketAddress address = PeerStore.controlAddress(n);
      if (address != null) {
        tell.putIfAbsent(n.id(), address);
      }
    }
    for (PeerId p : store.router().knownSummaryPeers()) {
      InetSocketAddress address = tell.containsKey(p) ? null : store.controlOf(p);
      if (address != null) {
        tell.put(p, address);
      }
    }
    for (InetSocketAddress address : tell.values()) {
      client.call(address, ControlMethod.ANNOUNCE_ROLE, announce, null, ctx.config.callDeadline())
          .thenAccept(answer -> learn(answer, address))
          .exceptionally(t -> null);
    }
    if (next == Role.LIGHT) {
      links.refresh();
    }
  }

  /** Learns another peer's new role, and answers with this peer's record. */
  void answer(SignedMessage request, InetSocketAddress remote, ControlResponder responder) {
    learn(request, remote);
    responder.reply(ctx.seal(Payload.newBuilder().setRoleChange(
        RoleChange.newBuilder().setRecord(self.current()))));
  }

  private void learn(SignedMessage m, InetSocketAddress from) {
    RoleChange change = m.payload().getRoleChange();
    if (change.hasRecord()) {
      store.offer(change.getRecord(),
          PeerStore.Provenance.firstHand(m.sender(), from.getAddress()));
    }
  }
}
