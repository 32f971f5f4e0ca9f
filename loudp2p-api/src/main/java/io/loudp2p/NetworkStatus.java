package io.loudp2p;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a peer knows of its own place in the network: the address others see it at, whether they
 * can call it, what kind of NAT, if any, maps its UDP sockets, and the relays it is reached
 * through when nobody can dial it. Peers behind NATs learn this from others (PROTOCOL.md sections
 * 3.1, 3.4, 8 and 10); it decides whether a peer can serve others directly and how two peers
 * behind NATs can reach each other.
 *
 * @param publicAddress the address at least two other peers agree this peer's calls come from;
 *     empty until they do
 * @param dialable whether another peer could call this one lately
 * @param udpMapping how this peer's UDP sockets are mapped to public addresses
 * @param udpPublic the public address and port the last observation's socket had at its first
 *     observer; empty when no observation has succeeded
 * @param observedAt when {@code udpMapping} was last learnt; empty before the first observation
 * @param relays the relays this FULL peer holds a reservation at, which its record lists so that
 *     peers that cannot dial it call it through them; empty when it needs none (or is LIGHT)
 * @param relayRefusals why relays this peer asked for a reservation lately refused it or ended
 *     it, one line for each such relay (its latest), the relay's peer ID first: a relay holding
 *     its most reservations, one that relays for no one, one that left; at most {@link
 *     #MAX_RELAY_REFUSALS}, the latest last. A relay that grants one again is taken off.
 */
public record NetworkStatus(Optional<InetAddress> publicAddress, Dialable dialable,
    Mapping udpMapping, Optional<InetSocketAddress> udpPublic, Optional<Instant> observedAt,
    List<Relay> relays, List<String> relayRefusals) {

  /** Most lines in {@link #relayRefusals}. */
  public static final int MAX_RELAY_REFUSALS = 8;

  /** Checks the parts; keeps a copy of {@code relays}. */
  public NetworkStatus {
    Objects.requireNonNull(publicAddress, "publicAddress");
    Objects.requireNonNull(dialable, "dialable");
    Objects.requireNonNull(udpMapping, "udpMapping");
    Objects.requireNonNull(udpPublic, "udpPublic");
    Objects.requireNonNull(observedAt, "observedAt");
    relays = List.copyOf(relays);
    relayRefusals = List.copyOf(relayRefusals);
    if (relayRefusals.size() > MAX_RELAY_REFUSALS) {
      throw new IllegalArgumentException(relayRefusals.size() + " relay refusals, more than "
          + MAX_RELAY_REFUSALS);
    }
  }

  /** A status without relays: of a peer that holds no reservation and was never refused one. */
  public NetworkStatus(Optional<InetAddress> publicAddress, Dialable dialable,
      Mapping udpMapping, Optional<InetSocketAddress> udpPublic, Optional<Instant> observedAt) {
    this(publicAddress, dialable, udpMapping, udpPublic, observedAt, List.of(), List.of());
  }

  /** This status with {@code relays} and {@code relayRefusals} in place of its own. */
  public NetworkStatus withRelays(List<Relay> relays, List<String> relayRefusals) {
    return new NetworkStatus(publicAddress, dialable, udpMapping, udpPublic, observedAt, relays,
        relayRefusals);
  }

  /**
   * A relay a peer holds a reservation at (PROTOCOL.md section 10): a FULL peer it reached
   * directly that passes on, sealed end to end, the calls of peers that cannot dial it.
   *
   * @param peer the relay's peer ID
   * @param address where the peer reached the relay
   * @param since when the relay granted the reservation
   */
  public record Relay(PeerId peer, InetSocketAddress address, Instant since) {
    /** Checks the parts. */
    public Relay {
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(since, "since");
    }
  }

  /** A status with nothing learnt yet. */
  public static NetworkStatus unknown(@Nullable InetAddress publicAddress, Dialable dialable) {
    return new NetworkStatus(Optional.ofNullable(publicAddress), dialable, Mapping.UNKNOWN,
        Optional.empty(), Optional.empty());
  }

  /** Whether other peers can open a connection to this one. */
  public enum Dialable {
    /** Not known yet: no peer called, and no check was answered. */
    UNKNOWN,
    /** Another peer called this one in the last 10 minutes, or dialled it back on request. */
    YES,
    /** A peer asked to dial this one back could not reach it (a NAT or firewall in between). */
    NO
  }

  /**
   * How a NAT maps this peer's UDP sockets (RFC 4787's mapping behaviour), as two observers on
   * different addresses saw one socket.
   */
  public enum Mapping {
    /** Not observed yet, or fewer than two observers answered (UDP may be blocked). */
    UNKNOWN,
    /** No NAT: the observers saw the socket's own address and port. */
    NONE,
    /**
     * The same public address and port whoever the socket sends to: a peer that learnt it can be
     * reached by UDP hole punching.
     */
    ENDPOINT_INDEPENDENT,
    /**
     * A different public port (or address) for each destination, a "symmetric" NAT: what one peer
     * saw tells nothing of what another will see.
     */
    ENDPOINT_DEPENDENT
  }
}
