package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Which address this peer takes as its own from what others saw. */
class ObservedAddressesTest {
  private final ObservedAddresses o = new ObservedAddresses();

  private static PeerId peer() {
    return Identity.generate().peerId();
  }

  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void oneObserverIsNotEnoughTwoAgreeingAre() throws Exception {
    PeerId a = peer();
    o.observed(a, ip("198.51.100.7"), 0);
    o.observed(a, ip("198.51.100.7"), 1); // the same peer again counts once
    assertThat(o.trusted(1)).isEmpty();
    o.observed(peer(), ip("198.51.100.7"), 2);
    assertThat(o.trusted(2)).contains(ip("198.51.100.7"));
  }

  @Test
  void aLiarIsOutvotedAndEachObserversLatestWordCounts() throws Exception {
    PeerId liar = peer();
    PeerId b = peer();
    PeerId c = peer();
    o.observed(liar, ip("203.0.113.66"), 0);
    o.observed(b, ip("198.51.100.7"), 0);
    o.observed(c, ip("198.51.100.7"), 0);
    assertThat(o.trusted(0)).contains(ip("198.51.100.7"));

    // The phone moved: two observers see the new address, and their latest word replaces the old.
    o.observed(b, ip("192.0.2.40"), 10);
    assertThat(o.trusted(10)).as("one each: no address has two").isEmpty();
    o.observed(c, ip("192.0.2.40"), 11);
    assertThat(o.trusted(11)).contains(ip("192.0.2.40"));
  }

  @Test
  void oldObservationsStopCountingAndTheTableIsBounded() throws Exception {
    o.observed(peer(), ip("198.51.100.7"), 0);
    o.observed(peer(), ip("198.51.100.7"), 0);
    assertThat(o.trusted(ObservedAddresses.MAX_AGE_MS)).isPresent();
    assertThat(o.trusted(ObservedAddresses.MAX_AGE_MS + 1)).isEmpty();

    for (int i = 0; i < 3 * ObservedAddresses.MAX_OBSERVERS; i++) {
      o.observed(peer(), ip("203.0.113." + (i % 200)), 100);
    }
    assertThat(o.observers()).isEqualTo(ObservedAddresses.MAX_OBSERVERS);
  }
}
