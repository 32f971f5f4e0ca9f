package io.loudp2p.core.peer;

import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.NatMapping;
import io.loudp2p.core.proto.v1.TransportKind;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Hole punching on the UDP data plane for sessions with a source behind a relay (PROTOCOL.md
 * section 8, "Hole punching"): what a receiver asks for in its stream initiation, whether the
 * source takes UDP for it, and which addresses each side names. Decides from this peer's UDP
 * mapping as {@link UdpMapping} last observed it, which it reads and never changes.
 *
 * <p>Thread-safe.
 */
final class HolePunching {
  /** What a receiver states when it asks for punching. */
  record Ask(InetAddress heardAt, NatMapping mapping) {}

  private volatile Supplier<UdpMapping.@Nullable Result> mapping = () -> null;

  /**
   * Decides from {@code mapping}, the last observation of this peer's UDP mapping ({@link
   * UdpMapping#last}), from now on; nothing is punched before.
   */
  void observedBy(Supplier<UdpMapping.@Nullable Result> mapping) {
    this.mapping = mapping;
  }

  private UdpMapping.@Nullable Result last() {
    return mapping.get();
  }

  /**
   * What this peer asks a relayed source for as a receiver, or null when punching cannot work
   * from here: its NAT gives each destination a port of its own (or changes the socket's port),
   * so that no source could know where to probe, or its mapping or public address is not known
   * yet.
   */
  @Nullable Ask ask() {
    UdpMapping.Result r = last();
    if (r == null || r.heardAt() == null) {
      return null;
    }
    NatMapping m = r.wire();
    return m == NatMapping.NAT_MAPPING_NONE || m == NatMapping.NAT_MAPPING_ENDPOINT_INDEPENDENT
        ? new Ask(r.heardAt(), m) : null;
  }

  /**
   * Whether a punch between a receiver whose NAT maps as {@code receiver} and this peer as its
   * source can work, NATs filtering as most do (what comes in must answer what went out to that
   * very address and port): a receiver with no NAT hears the source's probes from whatever port
   * the source's NAT gives them, and answers there; a receiver whose NAT keeps the socket's port
   * for every destination is reached where it said, once it sent, by a source that is just as
   * predictable. Two NATs of which one maps per destination never meet: the relay carries such a
   * session.
   */
  boolean works(NatMapping receiver) {
    if (receiver == NatMapping.NAT_MAPPING_NONE) {
      return true;
    }
    if (receiver != NatMapping.NAT_MAPPING_ENDPOINT_INDEPENDENT) {
      return false;
    }
    UdpMapping.Result r = last();
    NatMapping own = r == null ? NatMapping.NAT_MAPPING_UNKNOWN : r.wire();
    return own == NatMapping.NAT_MAPPING_NONE
        || own == NatMapping.NAT_MAPPING_ENDPOINT_INDEPENDENT;
  }

  /**
   * Where this source announces a punched session's socket: its public address with the socket's
   * port (right unless its NAT maps per destination, and then the receiver learns the port from
   * the probes), or the socket's own address when no public address is known.
   */
  InetSocketAddress announce(InetSocketAddress socket) {
    UdpMapping.Result r = last();
    InetAddress at = r == null ? null : r.heardAt();
    return at == null ? socket : new InetSocketAddress(at, socket.getPort());
  }

  /**
   * The address a stream initiation names for punching, or null when it names none a source may
   * probe: not a UDP endpoint with a unicast address and a port (the wildcard or a multicast
   * address, port 0; a broadcast address is refused by the socket, which may not broadcast).
   */
  static @Nullable InetSocketAddress probeTarget(Endpoint endpoint) {
    if (endpoint.getTransport() != TransportKind.TRANSPORT_KIND_UDP) {
      return null;
    }
    InetSocketAddress a = PeerTable.address(endpoint); // null for a port past 65535
    if (a == null || a.getPort() == 0) {
      return null;
    }
    InetAddress ip = a.getAddress();
    return ip.isAnyLocalAddress() || ip.isMulticastAddress() ? null : a;
  }
}
