package io.loudp2p;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NetworkStatusTest {
  private static final InetSocketAddress RELAY_AT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 7070);

  @Test
  void aStatusWithoutRelaysHasNoneAndNoRefusalAndTakesThemAsAWhole() {
    NetworkStatus open = new NetworkStatus(Optional.empty(), NetworkStatus.Dialable.YES,
        NetworkStatus.Mapping.NONE, Optional.empty(), Optional.empty());
    assertThat(open.relays()).isEmpty();
    assertThat(open.relayRefusals()).isEmpty();
    assertThat(NetworkStatus.unknown(null, NetworkStatus.Dialable.UNKNOWN).relays()).isEmpty();

    List<NetworkStatus.Relay> relays = new ArrayList<>();
    byte[] id = new byte[PeerId.LENGTH];
    id[0] = (byte) PeerId.VERSION;
    relays.add(new NetworkStatus.Relay(PeerId.fromBytes(id), RELAY_AT,
        Instant.ofEpochSecond(1)));
    NetworkStatus relayed = open.withRelays(relays, List.of("relay X refused: full"));
    relays.clear(); // copied in
    assertThat(relayed.relays()).hasSize(1);
    assertThat(relayed.relayRefusals()).containsExactly("relay X refused: full");
    assertThat(relayed.dialable()).isEqualTo(NetworkStatus.Dialable.YES);
    assertThat(relayed.withRelays(List.of(), List.of())).isEqualTo(open);
    assertThatThrownBy(() -> open.withRelays(List.of(),
        java.util.Collections.nCopies(NetworkStatus.MAX_RELAY_REFUSALS + 1, "refused")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relay refusals");
    assertThatThrownBy(() -> new NetworkStatus.Relay(null, RELAY_AT, Instant.EPOCH))
        .isInstanceOf(NullPointerException.class).hasMessage("peer");
  }
}
