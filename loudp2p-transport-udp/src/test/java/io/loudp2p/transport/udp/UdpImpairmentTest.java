package io.loudp2p.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.UdpImpairmentRelay;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.internal.Drops;
import io.loudp2p.transport.udp.internal.UdpDataTransport;
import io.loudp2p.transport.udp.internal.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sessions through an impairing relay still deliver every byte, and garbage is dropped. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class UdpImpairmentTest {
  private static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private <T extends AutoCloseable> T later(T c) {
    toClose.add(c);
    return c;
  }

  private UdpDataTransport transport() {
    return (UdpDataTransport) later(
        new UdpDataTransportProvider().create(TransportOptions.defaults()));
  }

  private static Function<InetSocketAddress, InetSocketAddress> through(UdpImpairmentRelay relay) {
    return endpoint -> {
      try {
        return relay.front(endpoint);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  /** A relay with no first front of its own worth using: sessions get fronts as they open. */
  private UdpImpairmentRelay relay(UdpImpairmentRelay.Builder b) throws IOException {
    return later(b.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)));
  }

  @ParameterizedTest(name = "{0}% loss")
  @CsvSource({"1, 4", "5, 4", "20, 2"})
  void deliversATrackByteForByteThroughLoss(int lossPercent, int mebibytes) throws Exception {
    UdpImpairmentRelay relay = relay(UdpImpairmentRelay.builder().seed(lossPercent)
        .dropRate(lossPercent / 100.0).delay(500, 200));
    UdpDataTransport source = transport();
    UdpDataTransport receiver = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(lossPercent);
    byte[] track = tracks.add(id, mebibytes * 1024 * 1024 + 777, lossPercent);
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    TrackFetch fetch = new TrackFetch(track, 32);
    TrackFetch.open(receiver, server, id, fetch, through(relay));
    long started = System.nanoTime();
    fetch.start();
    fetch.await(15_000);

    assertThat(relay.dropped.get()).isPositive();
    UdpDataTransport.Stats stats = source.stats();
    assertThat(stats.packetsLost()).isPositive();
    System.out.printf("%d%% loss: %d KiB/s, %d chunks asked for again%n", lossPercent,
        track.length / 1024 * 1_000_000_000L / Math.max(1, System.nanoTime() - started),
        fetch.rerequests.get());
  }

  @Test
  void neitherSideEverSendsADatagramOver1200Bytes() throws Exception {
    // Loss and reordering give ACKs of many ranges; a window of 64 gives REQUESTs of 64 entries;
    // the handshake is the largest allowed. The relay sees every datagram of both sides.
    UdpImpairmentRelay relay = relay(UdpImpairmentRelay.builder().seed(10).dropRate(0.05)
        .reorder(0.05, 2).delay(300, 300));
    UdpDataTransport source = transport();
    UdpDataTransport receiver = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(10);
    byte[] track = tracks.add(id, 2 * 1024 * 1024 + 99, 10);
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    TrackFetch fetch = new TrackFetch(track, 64);
    byte[] key = receiver.prepare(id);
    DataOffer offer = server.prepare(id, key);
    byte[] handshake = new byte[Wire.MAX_HANDSHAKE];
    new Random(10).nextBytes(handshake);
    fetch.session = receiver.open(relay.front(offer.endpoint()), id, handshake, offer.publicKey(),
        fetch).get(5, TimeUnit.SECONDS);
    fetch.start();
    fetch.await(15_000);

    int limit = 1200; // the whole UDP payload
    assertThat(relay.largestToUpstream.get()).as("largest receiver datagram")
        .isEqualTo(limit); // the HELLO with the largest handshake
    assertThat(relay.largestToClients.get()).as("largest source datagram")
        .isLessThanOrEqualTo(limit)
        .isGreaterThanOrEqualTo(Wire.HEADER_LENGTH + Wire.DATA_OVERHEAD + Wire.MAX_FRAGMENT
            + Wire.TAG_LENGTH);
  }

  @Test
  void deliversThroughReorderingAndDuplicationAndDropsTheReplays() throws Exception {
    UdpImpairmentRelay relay = relay(UdpImpairmentRelay.builder().seed(11).reorder(0.05, 3)
        .duplicateRate(0.05).delay(300, 300));
    UdpDataTransport source = transport();
    UdpDataTransport receiver = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(11);
    byte[] track = tracks.add(id, 4 * 1024 * 1024, 11);
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    TrackFetch fetch = new TrackFetch(track, 32);
    TrackFetch.open(receiver, server, id, fetch, through(relay));
    fetch.start();
    fetch.await(15_000);

    assertThat(relay.duplicated.get()).isPositive();
    assertThat(relay.reordered.get()).isPositive();
    assertThat(receiver.drops().get(Drops.Reason.REPLAYED)
        + source.drops().get(Drops.Reason.REPLAYED)).isPositive();
  }

  @Test
  void dropsCorruptedAndForgedDatagrams() throws Exception {
    UdpImpairmentRelay relay = relay(UdpImpairmentRelay.builder().seed(12).corruptRate(0.03));
    UdpDataTransport source = transport();
    UdpDataTransport receiver = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(12);
    byte[] track = tracks.add(id, 2 * 1024 * 1024, 12);
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    TrackFetch fetch = new TrackFetch(track, 32);
    byte[] key = receiver.prepare(id);
    DataOffer offer = server.prepare(id, key);
    DataSession session = receiver.open(relay.front(offer.endpoint()), id, new byte[] {1},
        offer.publicKey(), fetch).get(5, TimeUnit.SECONDS);
    fetch.session = session;
    fetch.start();

    // Forged: a well-formed header for the session from another address, and a short one.
    try (DatagramChannel forger = DatagramChannel.open()) {
      forger.bind(LOOPBACK);
      ByteBuffer forged = ByteBuffer.allocate(200);
      Wire.writeHeader(forged, Wire.TO_SOURCE, id.bytes(), 1_000_000);
      for (int i = 0; i < 10; i++) {
        forger.send(forged.clear(), offer.endpoint());
        forger.send(ByteBuffer.allocate(10), offer.endpoint());
      }
    }
    fetch.await(15_000);

    long corruptDrops = source.drops().get(Drops.Reason.FAILED_TO_OPEN)
        + receiver.drops().get(Drops.Reason.FAILED_TO_OPEN)
        + source.drops().get(Drops.Reason.UNKNOWN_SESSION)
        + receiver.drops().get(Drops.Reason.UNKNOWN_SESSION)
        + source.drops().get(Drops.Reason.BAD_HEADER)
        + receiver.drops().get(Drops.Reason.BAD_HEADER)
        + source.drops().get(Drops.Reason.REPLAYED)
        + receiver.drops().get(Drops.Reason.REPLAYED);
    assertThat(relay.corrupted.get()).isPositive();
    assertThat(corruptDrops).isEqualTo(relay.corrupted.get());
    assertThat(receiver.drops().get(Drops.Reason.FAILED_TO_OPEN)).isPositive();
    assertThat(source.drops().get(Drops.Reason.WRONG_ADDRESS)).isEqualTo(10);
    assertThat(source.drops().get(Drops.Reason.WRONG_LENGTH)).isEqualTo(10);
  }

  @Test
  void survivesAFloodOfRandomDatagramsWithBoundedState() throws Exception {
    UdpDataTransport source = transport();
    UdpDataTransport receiver = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(13);
    byte[] track = tracks.add(id, 4 * 1024 * 1024, 13);
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    TrackFetch fetch = new TrackFetch(track, 16);
    byte[] key = receiver.prepare(id);
    DataOffer offer = server.prepare(id, key);
    DataSession session = receiver.open(offer.endpoint(), id, new byte[] {1}, offer.publicKey(),
        fetch).get(5, TimeUnit.SECONDS);
    fetch.session = session;
    fetch.start();

    Random random = new Random(13);
    long maxTracked = 0;
    int sent = 0;
    try (DatagramChannel flooder = DatagramChannel.open()) {
      flooder.bind(LOOPBACK);
      byte[] buf = new byte[1400];
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 1000; i++) {
          random.nextBytes(buf);
          int len = random.nextInt(buf.length) + 1;
          if (i % 4 == 0) { // a third of them look like the session's own datagrams
            buf[0] = Wire.TO_SOURCE;
            System.arraycopy(id.bytes(), 0, buf, 1, 16);
            len = Math.max(len, Wire.MIN_DATAGRAM);
          }
          if (flooder.send(ByteBuffer.wrap(buf, 0, len), offer.endpoint()) > 0) {
            sent++;
          }
        }
        maxTracked = Math.max(maxTracked, source.stats().trackedState());
      }
    }
    fetch.await(15_000);

    Drops drops = source.drops();
    assertThat(drops.total()).isPositive().isLessThanOrEqualTo(sent);
    assertThat(drops.get(Drops.Reason.WRONG_ADDRESS)).isPositive();
    assertThat(drops.get(Drops.Reason.WRONG_LENGTH) + drops.get(Drops.Reason.BAD_HEADER))
        .isPositive();
    // Nothing a flood sends reaches a session's state: what it tracks stays within its bounds.
    assertThat(maxTracked).isLessThan(4096 + 16 + 64);
  }

  @Test
  void twoSessionsShareABottleneckFairly() throws Exception {
    UdpImpairmentRelay relay = relay(UdpImpairmentRelay.builder().seed(14).delay(2000, 0)
        .bandwidth(3_000_000, 96 * 1024));
    UdpDataTransport source = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    TrackFetch[] fetches = new TrackFetch[2];
    for (int i = 0; i < 2; i++) {
      DataSessionId id = TrackFetch.id(140 + i);
      byte[] track = tracks.add(id, 32 * 1024 * 1024, 140 + i);
      fetches[i] = new TrackFetch(track, 64);
      TrackFetch.open(transport(), server, id, fetches[i], through(relay));
    }
    // Progress is measured in bytes, not by the clock: the first session runs, then both until
    // their windows settle, then 12 MB (about 4 s at the cap) are shared out between them.
    fetches[0].start();
    Await.until(() -> fetches[0].bytes.get() >= 1 << 20, Duration.ofSeconds(10),
        "the first session fetched 1 MiB");
    fetches[1].start();
    Await.until(() -> fetches[1].bytes.get() >= 3 << 20, Duration.ofSeconds(10),
        "the second session fetched 3 MiB");
    long[] start = {fetches[0].bytes.get(), fetches[1].bytes.get()};
    long startNs = System.nanoTime();
    long share = 12_000_000;
    Await.until(() -> fetches[0].bytes.get() - start[0] + fetches[1].bytes.get() - start[1] >= share,
        Duration.ofSeconds(20), "the two sessions fetched 12 MB together");
    double seconds = (System.nanoTime() - startNs) / 1e9;
    double x0 = fetches[0].bytes.get() - start[0];
    double x1 = fetches[1].bytes.get() - start[1];
    double jain = (x0 + x1) * (x0 + x1) / (2 * (x0 * x0 + x1 * x1));
    System.out.printf("fair share: %.0f B/s and %.0f B/s, Jain's index %.3f%n",
        x0 / seconds, x1 / seconds, jain);
    assertThat((x0 + x1) / seconds).as("bytes a second through a 3 MB/s cap")
        .isGreaterThan(0.5 * 3_000_000);
    assertThat(jain).isGreaterThanOrEqualTo(0.9);
  }
}
