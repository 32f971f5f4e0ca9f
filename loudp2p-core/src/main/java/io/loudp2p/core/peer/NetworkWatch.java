package io.loudp2p.core.peer;

import io.loudp2p.NetworkStatus;
import io.loudp2p.PeerId;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This peer's place in the network as {@link io.loudp2p.Peer#network()} shows it, put together
 * from the addresses others saw ({@link ObservedAddresses}), the calls that reached it ({@link
 * Reachability}) and the UDP mapping last observed ({@link UdpMapping}); and, when the peer's
 * listener hears, the changes worth telling: the public address, whether others can dial it, the
 * mapping's class, and the relays it is reached through ({@link RelayKeeper}: those held, and
 * why relays refused it lately). Some of these change with time alone (an observation or a call grows old), so
 * they are compared every {@link #CHECK} on the timer rather than where they are learnt.
 *
 * <p>Owns the status last told, read and written on the timer only; {@link #status()} is
 * thread-safe.
 */
final class NetworkWatch {
  private static final Logger log = LoggerFactory.getLogger(NetworkWatch.class);

  /** How often the status is compared with the one last told, when a listener hears. */
  static final Duration CHECK = Duration.ofSeconds(1);

  /** What a change is told for. */
  private record Told(Optional<InetAddress> publicAddress, NetworkStatus.Dialable dialable,
      NetworkStatus.Mapping mapping, List<PeerId> relays, List<String> relayRefusals) {
    static Told of(NetworkStatus s) {
      return new Told(s.publicAddress(), s.dialable(), s.udpMapping(),
          s.relays().stream().map(NetworkStatus.Relay::peer).toList(), s.relayRefusals());
    }
  }

  private final PeerContext ctx;
  private final SelfRecord self;
  private final Reachability reachability;
  private final UdpMapping udpMapping;
  /** Adds the relays held and their refusals ({@link RelayKeeper}); none until it is set. */
  private volatile UnaryOperator<NetworkStatus> relays = UnaryOperator.identity();
  /** Nothing learnt yet: what a peer knows when it starts. */
  private Told told = Told.of(NetworkStatus.unknown(null, NetworkStatus.Dialable.UNKNOWN));

  NetworkWatch(PeerContext ctx, SelfRecord self, Reachability reachability,
      UdpMapping udpMapping) {
    this.ctx = ctx;
    this.self = self;
    this.reachability = reachability;
    this.udpMapping = udpMapping;
  }

  /** Compares the status every {@link #CHECK} when the peer's listener hears; else nothing. */
  void schedule() {
    if (ctx.events.enabled()) {
      ctx.every(this::check, CHECK.toMillis(), CHECK.toMillis());
    }
  }

  /** Takes the relays held, and their refusals, from {@code relays} from now on. */
  void relaysFrom(UnaryOperator<NetworkStatus> relays) {
    this.relays = relays;
  }

  /** The address other peers agree this peer's calls come from, if they do. */
  Optional<InetAddress> publicAddress() {
    return self.observed().trusted(ctx.nowMs());
  }

  /** The status now. */
  NetworkStatus status() {
    UdpMapping.Result r = udpMapping.last();
    Optional<InetAddress> publicAddress = publicAddress();
    NetworkStatus.Dialable dialable = reachability.dialable();
    if (r == null) {
      return relays.apply(NetworkStatus.unknown(publicAddress.orElse(null), dialable));
    }
    return relays.apply(new NetworkStatus(publicAddress, dialable, r.mapping(),
        Optional.ofNullable(r.udpPublic()), UdpMapping.at(r)));
  }

  /** Tells the listener the status when it differs from the one last told. */
  void check() {
    try {
      NetworkStatus now = status();
      Told t = Told.of(now);
      if (!t.equals(told)) {
        told = t;
        ctx.events.networkChanged(now);
      }
    } catch (RuntimeException e) {
      log.warn("comparing the network status failed", e); // and the next check tries again
    }
  }
}
