package io.loudp2p.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.UdpImpairmentRelay;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.transport.udp.internal.Drops;
import io.loudp2p.transport.udp.internal.UdpDataTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A receiver whose address changes mid-track (a phone leaving Wi-Fi for 3G, a NAT that rebinds):
 * the relay between it and its source gives it a new address, the source challenges that address,
 * the receiver's echo from there moves the session, and the track arrives whole, with no chunk
 * asked for again and the session never lost.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PathChangeTest extends UdpTestBase {
  @Test
  void aReceiverThatMovesMidTrackCarriesOnFromItsNewAddressOnceTheSourceCheckedIt()
      throws Exception {
    // 5 ms each way and 4 MB/s: an 8 MiB track takes two seconds or so, long enough to move in.
    UdpImpairmentRelay relay = later(UdpImpairmentRelay.builder().seed(5).delay(5_000, 0)
        .bandwidth(4_000_000, 256 * 1024).start(new InetSocketAddress(
            InetAddress.getLoopbackAddress(), 9)));
    UdpDataTransport source = transport();
    UdpDataTransport receiver = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(5);
    byte[] track = tracks.add(id, 8 * 1024 * 1024 + 99, 5);
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    TrackFetch fetch = new TrackFetch(track, 32);
    TrackFetch.open(receiver, server, id, fetch, endpoint -> {
      try {
        return relay.front(endpoint);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    fetch.start();
    Await.until(() -> fetch.bytes.get() > track.length / 4, Duration.ofSeconds(20),
        "a quarter of the track arrived");
    assertThat(source.stats().pathChanges()).isZero();

    relay.rebind(); // from now on the source hears the receiver at a new address
    Await.until(() -> source.stats().pathChanges() == 1, Duration.ofSeconds(10),
        "the source moved the session to the receiver's new address");
    fetch.await(30_000); // every chunk, checked against its hash

    assertThat(fetch.closed).as("the session was never lost").isNotDone();
    assertThat(fetch.rerequests.get()).as("chunks asked for again").isZero();
    // What came from the new address before the source checked it was not taken.
    assertThat(source.drops().get(Drops.Reason.UNVALIDATED_ADDRESS)).isPositive();
    assertThat(source.stats().pathChanges()).as("moves").isEqualTo(1);
  }
}
