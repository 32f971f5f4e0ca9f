package io.loudp2p.spi;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What other peers saw of one socket of this peer: the address and port a datagram from it came
 * from at each observer (PROTOCOL.md section 8, "Address observation"). Behind a NAT that is the
 * public mapping the NAT gave the socket for that observer; equal mappings at two observers on
 * different addresses mean the NAT maps endpoint-independently (RFC 4787), the kind UDP hole
 * punching works through.
 *
 * @param local the address the socket was bound to (a wildcard address with its port when it
 *     listened on every interface)
 * @param observed for each observer asked, in order, what it saw; empty when it did not answer in
 *     time
 */
public record AddressObservation(InetSocketAddress local,
    List<Optional<InetSocketAddress>> observed) {
  /** Checks the parts and copies the list. */
  public AddressObservation {
    Objects.requireNonNull(local, "local");
    observed = List.copyOf(observed);
  }

  /** How many observers answered. */
  public int answered() {
    int n = 0;
    for (Optional<InetSocketAddress> o : observed) {
      if (o.isPresent()) {
        n++;
      }
    }
    return n;
  }
}
