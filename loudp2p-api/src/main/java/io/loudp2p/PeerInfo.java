package io.loudp2p;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a peer knows of another peer: its signed record and how talking to it went.
 *
 * @param id the peer
 * @param addresses where it says it takes calls (its control endpoints), most preferred first
 * @param role how it says it cooperates
 * @param sequence its record's sequence number; a higher one replaces a lower one
 * @param expires when its record stops being valid
 * @param reachable whether the last exchange with it succeeded
 */
public record PeerInfo(PeerId id, List<InetSocketAddress> addresses, Role role, long sequence,
    Instant expires, boolean reachable) {
  /** Checks the parts and copies the list. */
  public PeerInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(expires, "expires");
    addresses = List.copyOf(addresses);
  }
}
