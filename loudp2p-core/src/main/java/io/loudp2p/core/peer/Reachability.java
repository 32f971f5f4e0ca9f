package io.loudp2p.core.peer;

import io.loudp2p.NetworkStatus;
import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.internal.LruMap;
import io.loudp2p.core.network.NodeRecord;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.ReachabilityCheck;
import io.loudp2p.core.proto.v1.ReachabilityResult;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reachability check (PROTOCOL.md §3.5), both ways: a FULL peer dials an asker back, and a
 * LIGHT peer that nobody reached lately asks one of its links to, since promotion needs others to
 * be able to reach it. Owns who asked lately and when this peer last asked; thread-safe.
 */
final class Reachability {
  private static final Logger log = LoggerFactory.getLogger(Loggers.NETWORK);

  /**
   * How often one peer may ask this peer to check that it is reachable; and how long a LIGHT peer
   * runs before it first asks (it then asks again when not reached for {@link #REACHABLE_FOR}).
   */
  static final Duration REACHABILITY_CHECK_PERIOD = Duration.ofMinutes(1);
  static final Duration REACHABILITY_CHECK_AFTER = Duration.ofMinutes(5);
  /** How long an inbound call counts as reachability. */
  static final Duration REACHABLE_FOR = Duration.ofMinutes(10);
  /** Askers remembered at once (the least recent forgotten first). */
  static final int ASKERS = 4096;

  private final PeerContext ctx;
  private final ControlClient client;
  private final PeerStore store;
  private final SelfRecord self;
  private final RoleState roles;
  private final Exchanges exchanges;
  private final LinkKeeper links;
  /** Senders of recent reachability checks, and when each last asked. Guarded by itself. */
  private final Map<PeerId, Long> askers = new LruMap<>(ASKERS);
  private volatile long lastAskedMs = Long.MIN_VALUE / 2;
  /** What the last check this peer asked for said: reached, not reached, or null (none yet). */
  private volatile @Nullable Boolean lastReached;

  Reachability(PeerContext ctx, ControlClient client, PeerStore store, SelfRecord self,
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
   * Dials the asker back at the control endpoint of its own signed record that has the address the
   * check came from (never anywhere else, so this peer cannot be made to call a third party), and
   * says whether the asker answered as itself.
   */
  void answer(SignedMessage request, InetSocketAddress remote, ControlResponder responder) {
    PeerId sender = request.sender();
    ReachabilityCheck check = request.payload().getReachabilityCheck();
    long now = ctx.nowMs();
    synchronized (askers) {
      Long last = askers.get(sender);
      if (last != null && now - last < REACHABILITY_CHECK_PERIOD.toMillis()) {
        responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED,
            "one reachability check a minute; the last was " + (now - last) + " ms ago");
        return;
      }
      askers.put(sender, now);
    }
    SignedPeerRecord record = check.hasRecord()
        ? store.offer(check.getRecord(), PeerStore.Provenance.own(sender, remote.getAddress()))
        : null;
    if (record == null) {
      responder.fail(ControlErrorCode.MALFORMED, "a reachability check carries the asker's record");
      return;
    }
    Endpoint dial = null;
    for (Endpoint e : record.record().getEndpointsList()) {
      InetSocketAddress a = PeerTable.address(e);
      if (e.getTransport() == TransportKind.TRANSPORT_KIND_GRPC && a != null
          && a.getAddress().equals(remote.getAddress())) {
        dial = e;
        break;
      }
    }
    if (dial == null) {
      responder.reply(ctx.seal(Payload.newBuilder().setReachabilityResult(
          ReachabilityResult.newBuilder().setReached(false))));
      return;
    }
    Endpoint dialed = dial;
    exchanges.exchange(PeerTable.address(dial)).handle((id, t) -> t == null && sender.equals(id))
        .thenAccept(reached -> responder.reply(ctx.seal(Payload.newBuilder().setReachabilityResult(
            ReachabilityResult.newBuilder().setReached(reached).setDialed(dialed)))));
  }

  /**
   * Whether others can call this peer: yes when one did in the last {@link #REACHABLE_FOR}, no
   * when the last dial-back it asked for failed (and none called since), unknown otherwise.
   */
  NetworkStatus.Dialable dialable() {
    if (roles.reachedWithin(REACHABLE_FOR, ctx.nowMs())) {
      return NetworkStatus.Dialable.YES;
    }
    Boolean reached = lastReached;
    return reached == null ? NetworkStatus.Dialable.UNKNOWN
        : reached ? NetworkStatus.Dialable.YES : NetworkStatus.Dialable.NO;
  }

  /**
   * A LIGHT peer that has run a while and was not reached lately asks a FULL link to dial it back,
   * at most every {@link #REACHABLE_FOR}: promotion needs other peers to be able to reach it.
   */
  void askIfDue() {
    long now = ctx.nowMs();
    if (roles.role() != Role.LIGHT
        || roles.runningMs(now) < REACHABILITY_CHECK_AFTER.toMillis()
        || roles.reachedWithin(REACHABLE_FOR, now)
        || now - lastAskedMs < REACHABLE_FOR.toMillis()) {
      return;
    }
    links.refresh();
    List<NodeRecord> current = store.links().current();
    InetSocketAddress address = current.isEmpty() ? null : PeerStore.controlAddress(current.get(0));
    if (address == null) {
      return;
    }
    lastAskedMs = now;
    PeerId asked = current.get(0).id();
    client.call(address, ControlMethod.CHECK_REACHABILITY, Payload.newBuilder()
            .setReachabilityCheck(ReachabilityCheck.newBuilder().setRecord(self.current())),
            asked, ctx.config.callDeadline().multipliedBy(2))
        .thenAccept(answer -> {
          boolean reached = answer.payload().getReachabilityResult().getReached();
          lastReached = reached;
          log.debug("{} says {} is {}reachable", asked, ctx.self(), reached ? "" : "not ");
        }).exceptionally(t -> null);
  }
}
