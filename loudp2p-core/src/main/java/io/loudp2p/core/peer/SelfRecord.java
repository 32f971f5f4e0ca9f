package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import io.loudp2p.Role;
import io.loudp2p.core.internal.LocalAddresses;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.EnvelopeOpener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * This peer's own signed record: where it listens, its role, a sequence number that grows with
 * every new signing, and when it expires. Owns the listening addresses and the record; thread-safe.
 */
final class SelfRecord {
  /** How long this peer's record says it stays valid; it is re-signed at half that. */
  static final Duration RECORD_LIFETIME = Duration.ofHours(1);

  private final PeerContext ctx;
  private final List<InetSocketAddress> listening = new CopyOnWriteArrayList<>();
  /** The UDP data servers' own sockets, which answer address observations (PROTOCOL.md §8). */
  private final List<InetSocketAddress> udpAt = new CopyOnWriteArrayList<>();
  /** Where browsers reach this peer over gRPC-Web (PROTOCOL.md §5). */
  private final List<InetSocketAddress> webAt = new CopyOnWriteArrayList<>();
  private volatile @Nullable Envelope record;
  private long sequence;
  /** The endpoints of {@link #record}. */
  private volatile List<Endpoint> announced = List.of();
  /** Where others see this peer's calls come from. */
  private final ObservedAddresses observed = new ObservedAddresses();
  /** The relays this peer holds a reservation at (PROTOCOL.md section 10). */
  private volatile List<RelayEndpoint> relays = List.of();
  /** The relays of {@link #record}. */
  private volatile List<RelayEndpoint> announcedRelays = List.of();

  SelfRecord(PeerContext ctx) {
    this.ctx = ctx;
  }

  /** Adds a control address this peer listens at, announced from the next signing on. */
  void listeningAt(InetSocketAddress address) {
    listening.add(address);
  }

  /**
   * Adds the socket of a UDP data server, announced from the next signing on after the control
   * addresses (where others ask this peer to observe their UDP mappings).
   */
  void udpAt(InetSocketAddress address) {
    udpAt.add(address);
  }

  /**
   * Adds the address of a gRPC-Web server, announced from the next signing on after the control
   * addresses, before the UDP sockets.
   */
  void webAt(InetSocketAddress address) {
    webAt.add(address);
  }

  /**
   * The relays this peer holds a reservation at now, announced from the next signing on right
   * after its gRPC endpoints (PROTOCOL.md section 10).
   */
  void relays(List<RelayEndpoint> now) {
    relays = List.copyOf(now);
  }

  /** The addresses others said this peer's calls came from (PROTOCOL.md §3.1). */
  ObservedAddresses observed() {
    return observed;
  }

  List<InetSocketAddress> listening() {
    return List.copyOf(listening);
  }

  /** The record as last signed. */
  Envelope current() {
    Envelope r = record;
    if (r == null) {
      throw new IllegalStateException("the record is not signed yet");
    }
    return r;
  }

  /** Signs a new record with this role and the addresses listened at now. */
  synchronized void resign(Role role) {
    long now = ctx.nowMs();
    // Wall-clock milliseconds, so that a restarted peer's record outranks the one it had before.
    sequence = Math.max(sequence + 1, now);
    List<RelayEndpoint> relaysNow = relays;
    PeerRecord.Builder r = PeerRecord.newBuilder()
        .setSequence(sequence)
        .setExpiresAtMs(now + RECORD_LIFETIME.toMillis())
        .setRole(role == Role.FULL ? io.loudp2p.core.proto.v1.Role.ROLE_FULL
            : io.loudp2p.core.proto.v1.Role.ROLE_LIGHT)
        .addAllEndpoints(endpointsNow(relaysNow));
    announced = r.getEndpointsList();
    announcedRelays = relaysNow;
    record = ctx.sealer.sealRecord(r.build());
  }

  /**
   * The endpoints to announce now: the listening addresses, then the relays, then the gRPC-Web
   * servers', then the UDP servers' sockets, a wildcard one as this machine's addresses at this
   * moment, which others can dial.
   */
  private List<Endpoint> endpointsNow(List<RelayEndpoint> relaysNow) {
    List<Endpoint> out = new ArrayList<>();
    int room = EnvelopeOpener.MAX_RECORD_ENDPOINTS - relaysNow.size();
    for (InetSocketAddress a : listening) {
      for (InetSocketAddress at : LocalAddresses.reachableAs(a, room - out.size())) {
        out.add(endpoint(TransportKind.TRANSPORT_KIND_GRPC, at));
      }
    }
    for (RelayEndpoint relay : relaysNow) {
      out.add(relay.toEndpoint());
    }
    add(out, webAt, TransportKind.TRANSPORT_KIND_GRPC_WEB);
    add(out, udpAt, TransportKind.TRANSPORT_KIND_UDP);
    return out;
  }

  /** Adds the endpoints of {@code kind} at {@code addresses} while there is room for them. */
  private static void add(List<Endpoint> out, List<InetSocketAddress> addresses,
      TransportKind kind) {
    for (InetSocketAddress a : addresses) {
      if (out.size() < EnvelopeOpener.MAX_RECORD_ENDPOINTS) {
        for (InetSocketAddress at : LocalAddresses.reachableAs(a,
            EnvelopeOpener.MAX_RECORD_ENDPOINTS - out.size())) {
          out.add(endpoint(kind, at));
        }
      }
    }
  }

  /** Whether a listening address is the wildcard one: announced as this host's addresses. */
  boolean onWildcard() {
    for (InetSocketAddress a : listening) {
      if (a.getAddress() != null && a.getAddress().isAnyLocalAddress()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the addresses this peer would announce now differ from those of its record: a
   * reservation made or lost at a relay, or a wildcard listener on a host whose address changed
   * (a phone that left Wi-Fi for 3G). Only a wildcard listener's own addresses can change; the
   * others are not looked up at the interfaces.
   */
  boolean moved() {
    if (record == null) {
      return false;
    }
    if (!relays.equals(announcedRelays)) {
      return true;
    }
    if (!onWildcard()) {
      return false;
    }
    return !new HashSet<>(announced).equals(new HashSet<>(endpointsNow(relays)));
  }

  /** Whether an address of the record is no longer this host's (not merely one more came). */
  boolean lostAnAddress() {
    List<Endpoint> now = new ArrayList<>(endpointsNow(relays));
    now.removeIf(e -> e.getTransport() == TransportKind.TRANSPORT_KIND_GRPC_RELAYED);
    List<Endpoint> before = new ArrayList<>(announced);
    before.removeIf(e -> e.getTransport() == TransportKind.TRANSPORT_KIND_GRPC_RELAYED);
    return !new HashSet<>(now).containsAll(before);
  }

  static Endpoint endpoint(TransportKind kind, InetSocketAddress a) {
    return endpoint(kind.getNumber(), a);
  }

  /** An endpoint of the transport numbered {@code kind} on the wire. */
  static Endpoint endpoint(int kind, InetSocketAddress a) {
    return Endpoint.newBuilder().setTransportValue(kind)
        .setIp(ByteString.copyFrom(a.getAddress().getAddress())).setPort(a.getPort()).build();
  }
}
