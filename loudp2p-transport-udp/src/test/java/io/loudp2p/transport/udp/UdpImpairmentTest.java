package io.loudp2p.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.UdpImpairmentRelay;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.transport.udp.internal.Drops;
import io.loudp2p.transport.udp.internal.UdpDataTransport;
import io.loudp2p.transport.udp.internal.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sessions through an impairing relay still deliver every byte, and garbage is dropped. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpImpairmentTest extends UdpTestBase {
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
    System.out.printf("%d%% loss: %d KiB/s, %d DATA frames sent again, %d chunks asked for again%n",
        lossPercent, track.length / 1024 * 1_000_000_000L / Math.max(1, System.nanoTime() - started),
        stats.dataRetransmitted(), fetch.rerequests.get());
    assertThat(stats.packetsLost()).isPositive();
    // The transport recovered every loss itself: the source resent, and the player never had to.
    assertThat(stats.dataRetransmitted()).as("DATA frames the source sent again").isPositive();
    assertThat(fetch.rerequests.get()).as("chunks the player asked for again").isZero();
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

    // Forged: a well-formed header for the session from another address, and a short one. The
    // source hears every address (a receiver that moves speaks from a new one), so it drops them
    // itself: the short ones by their length, the others when the AEAD does not open them.
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

    assertThat(relay.corrupted.get()).isPositive();
    // The relay counts a corruption when it takes the datagram in; the endpoint counts its drop
    // when the datagram arrives, later. Every corrupted datagram is dropped, for one of these
    // reasons, once it has arrived: the counts meet whenever none is on its way.
    int forged = 10;
    Await.until(() -> corruptDrops(source, receiver) == relay.corrupted.get() + forged,
        Duration.ofSeconds(5), "every corrupted and forged datagram dropped (relay "
            + relay.corrupted.get() + " + " + forged + ", endpoints "
            + corruptDrops(source, receiver) + ")");
    assertThat(receiver.drops().get(Drops.Reason.FAILED_TO_OPEN)).isPositive();
    assertThat(source.drops().get(Drops.Reason.WRONG_LENGTH)).isEqualTo(forged);
    assertThat(source.stats().pathChanges()).isZero();
  }

  /** What the two sides dropped for the reasons a flipped bit can cause. */
  private static long corruptDrops(UdpDataTransport source, UdpDataTransport receiver) {
    long n = 0;
    for (UdpDataTransport t : List.of(source, receiver)) {
      n += t.drops().get(Drops.Reason.FAILED_TO_OPEN) + t.drops().get(Drops.Reason.UNKNOWN_SESSION)
          + t.drops().get(Drops.Reason.BAD_HEADER) + t.drops().get(Drops.Reason.REPLAYED);
    }
    return n;
  }

  /** What a source's I/O thread allocates in all, read with the JDK's per-thread counter. */
  private static long allocated(UdpDataTransport t) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (Thread thread : t.ioThreads()) {
      sum += mx.getThreadAllocatedBytes(thread.getId());
    }
    return sum;
  }

  /** Writes random bytes of a random length from 1 to 1,400: mostly too long, short or misheaded. */
  private static Consumer<ByteBuffer> garbage(Random random) {
    return b -> {
      byte[] bytes = new byte[1 + random.nextInt(1400)];
      random.nextBytes(bytes);
      b.put(bytes);
    };
  }

  /** Writes a well-formed-looking datagram of session {@code id}: random packet number and body. */
  private static Consumer<ByteBuffer> forged(Random random, byte direction, DataSessionId id) {
    return b -> {
      byte[] body = new byte[Wire.MIN_DATAGRAM - Wire.HEADER_LENGTH
          + random.nextInt(Wire.MAX_DATAGRAM - Wire.MIN_DATAGRAM + 1)];
      random.nextBytes(body);
      b.put(direction).put(id.bytes()).putLong(random.nextLong()).put(body);
    };
  }

  /**
   * Waits until the source counted {@code expected} drops or its count stopped moving for a
   * second: a datagram of a flood is dropped by the source or, when its socket buffer overflowed
   * on a slow machine, by the kernel, where the source cannot count it.
   */
  private static void awaitDropped(UdpDataTransport source, long expected) {
    long[] last = {-1};
    long[] lastChangeNs = {System.nanoTime()};
    Await.until(() -> {
      long total = source.drops().total();
      if (total >= expected) {
        return true;
      }
      long now = System.nanoTime();
      if (total != last[0]) {
        last[0] = total;
        lastChangeNs[0] = now;
        return false;
      }
      return now - lastChangeNs[0] > 1_000_000_000L;
    }, Duration.ofSeconds(10), "the source still dropping the flood");
  }


  /**
   * Has the relay send {@code count} datagrams from {@code fill} to the source at {@code endpoint}
   * from the session's pinned address, in batches the source's socket buffer holds, each waited
   * for until the source dropped it; returns what the source's I/O thread allocated per datagram
   * meanwhile.
   */
  private static long floodFromThePinnedAddress(UdpImpairmentRelay relay, InetSocketAddress endpoint,
      UdpDataTransport source, int count, Consumer<ByteBuffer> fill) throws IOException {
    long allocatedBefore = allocated(source);
    long dropped = 0;
    for (int batch = 0; batch < count; batch += 200) {
      long before = source.drops().total();
      int sent = relay.injectToUpstream(endpoint, 200, fill);
      awaitDropped(source, before + sent);
      dropped += source.drops().total() - before;
    }
    assertThat(dropped).isGreaterThan(count * 9L / 10);
    return (allocated(source) - allocatedBefore) / dropped;
  }

  @Test
  void aFloodFromThePinnedAddressIsDroppedCheaplyAndMovesNothing() throws Exception {
    UdpImpairmentRelay relay = relay(UdpImpairmentRelay.builder().seed(13));
    UdpDataTransport source = transport();
    UdpDataTransport receiver = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(13);
    byte[] track = tracks.add(id, 4 * 1024 * 1024, 13);
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    TrackFetch fetch = new TrackFetch(track, 16);
    DataOffer offer = server.prepare(id, receiver.prepare(id));
    fetch.session = receiver.open(relay.front(offer.endpoint()), id, new byte[] {1},
        offer.publicKey(), fetch).get(5, TimeUnit.SECONDS);
    // The session is pinned to the relay's socket for the receiver: the flood leaves from there.
    Random random = new Random(13);
    long sentBefore = source.stats().packetsSent();
    long floodStartNs = System.nanoTime();
    long garbageBytes = floodFromThePinnedAddress(relay, offer.endpoint(), source, 4000,
        garbage(random));
    long forgedBytes = floodFromThePinnedAddress(relay, offer.endpoint(), source, 4000,
        forged(random, Wire.TO_SOURCE, id));
    long answered = source.stats().packetsSent() - sentBefore;
    // An idle session sends a keepalive PING and an ACK of the receiver's each 2 s, and a probe
    // or a repeated ACCEPT when the machine is slow: a handful, against 8,000 datagrams sent.
    long keepalives = 6 + 2 * (System.nanoTime() - floodStartNs) / 2_000_000_000L;

    Drops drops = source.drops();
    assertThat(drops.get(Drops.Reason.WRONG_LENGTH)).isPositive();
    assertThat(drops.get(Drops.Reason.BAD_HEADER)).isPositive();
    assertThat(drops.get(Drops.Reason.FAILED_TO_OPEN)).isPositive();
    assertThat(drops.get(Drops.Reason.REPLAYED)).isPositive(); // the negative packet numbers
    assertThat(drops.get(Drops.Reason.MALFORMED_FRAME)).isZero();
    assertThat(answered).as("datagrams the source sent during the flood (keepalives only)")
        .isLessThanOrEqualTo(keepalives);
    // Dropped before the AEAD: nothing allocated. Dropped by the AEAD (the forgeries with positive
    // packet numbers): what the JDK's AES-GCM allocates to re-initialize for a packet number
    // (about 1 KiB, as for every datagram sealed or opened) and to throw on a bad tag, none kept.
    System.out.printf("flood: %d B per garbage datagram, %d B per forged datagram%n",
        garbageBytes, forgedBytes);
    assertThat(garbageBytes).as("bytes allocated per garbage datagram").isLessThan(16);
    assertThat(forgedBytes).as("bytes allocated per forged datagram").isLessThan(3072);

    // While the track streams, forgeries keep coming both ways, from the addresses each side trusts.
    fetch.start();
    for (int round = 0; round < 20 && !fetch.finished.isDone(); round++) {
      relay.injectToUpstream(offer.endpoint(), 100, forged(random, Wire.TO_SOURCE, id));
      relay.injectToUpstream(offer.endpoint(), 100, garbage(random));
      relay.injectToClients(offer.endpoint(), 100, forged(random, Wire.TO_RECEIVER, id));
      relay.injectToClients(offer.endpoint(), 100, garbage(random));
    }
    fetch.await(15_000); // every chunk, checked against its hash
    assertThat(receiver.drops().get(Drops.Reason.FAILED_TO_OPEN)
        + receiver.drops().get(Drops.Reason.REPLAYED)).isPositive();
    // No forged packet number entered either anti-replay window: each side's largest accepted is
    // one the other side really sent.
    UdpDataTransport.Stats sourceStats = source.stats();
    UdpDataTransport.Stats receiverStats = receiver.stats();
    assertThat(sourceStats.largestAcceptedPacketNumber())
        .isBetween(0L, receiverStats.packetsSent() - 1);
    assertThat(receiverStats.largestAcceptedPacketNumber())
        .isBetween(0L, sourceStats.packetsSent() - 1);
    assertThat(sourceStats.trackedState()).isLessThan(4096 + 16 + 64);
  }

  @Test
  void aFloodBeforeASessionIsPinnedGetsNoAnswerAndDoesNotCaptureIt() throws Exception {
    UdpDataTransport source = transport();
    UdpDataTransport receiver = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(15);
    byte[] track = tracks.add(id, 1024 * 1024, 15);
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    DataOffer offer = server.prepare(id, receiver.prepare(id));
    Random random = new Random(15);
    try (DatagramChannel flooder = DatagramChannel.open()) {
      flooder.bind(LOOPBACK);
      flooder.configureBlocking(false);
      ByteBuffer buf = ByteBuffer.allocate(2048);
      long[] perKind = new long[3];
      for (int kind = 0; kind < 3; kind++) {
        Consumer<ByteBuffer> fill = switch (kind) {
          case 0 -> forged(random, Wire.TO_SOURCE, TrackFetch.id(1000 + random.nextInt()));
          case 1 -> forged(random, Wire.TO_SOURCE, id); // HELLO-looking: it cannot open
          default -> garbage(random);
        };
        InetSocketAddress to = kind == 2 ? server.address() : offer.endpoint();
        long allocatedBefore = allocated(source);
        for (int batch = 0; batch < 20; batch++) {
          long expected = source.drops().total() + 200;
          for (int i = 0; i < 200; i++) {
            buf.clear();
            fill.accept(buf);
            flooder.send(buf.flip(), to);
          }
          awaitDropped(source, expected);
        }
        perKind[kind] = (allocated(source) - allocatedBefore) / 4000;
      }
      source.stats(); // two turns of the loop: whatever it would answer has been sent by now
      source.stats();
      assertThat(flooder.receive(buf.clear())).as("an answer to the flooder").isNull();
      System.out.printf("flood before pinning: %d, %d, %d B per datagram%n", perKind[0],
          perKind[1], perKind[2]);
      assertThat(perKind[0]).as("bytes per datagram of an unknown session").isLessThan(16);
      assertThat(perKind[1]).as("bytes per forged HELLO").isLessThan(3072);
      assertThat(perKind[2]).as("bytes per datagram to the server's socket").isLessThan(16);
      assertThat(source.drops().get(Drops.Reason.UNKNOWN_SESSION)).isGreaterThanOrEqualTo(8000);
      assertThat(source.drops().get(Drops.Reason.FAILED_TO_OPEN)
          + source.drops().get(Drops.Reason.REPLAYED)).isEqualTo(4000);

      // The session was not pinned to the flooder: its receiver opens it and gets the track.
      TrackFetch fetch = new TrackFetch(track, 16);
      fetch.session = receiver.open(offer.endpoint(), id, new byte[] {1}, offer.publicKey(), fetch)
          .get(5, TimeUnit.SECONDS);
      fetch.start();
      fetch.await(15_000);
      assertThat(flooder.receive(buf.clear())).as("an answer to the flooder").isNull();
    }
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
        .isGreaterThan(3_000_000 / 3.0);
    assertThat(jain).isGreaterThanOrEqualTo(0.9);
  }
}
