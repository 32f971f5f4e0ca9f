package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.testing.FakeClock;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.InMemoryTransport;
import io.loudp2p.core.testing.TestTracks;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stream session driven by hand: no thread of its own, its agent run by the test on the
 * in-memory network's fake clock, so every time the session sees is one the test chose.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamSessionAgentTest {
  private static final long BITRATE = 40_000; // 320 kbit/s in bytes per second
  private static final Duration CYCLE = Duration.ofMillis(10);

  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(5).build();
  private final FakeClock clock = network.clock();
  private final InMemoryTransport receiver = network.newTransport();
  private final List<AutoCloseable> closing = new ArrayList<>(List.of(receiver));
  /** What the session did and was told, stamped with the clock, in order. */
  private final List<String> log = new ArrayList<>();
  private final ByteArrayOutputStream heard = new ByteArrayOutputStream();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static byte[] track(int size) {
    return TestTracks.bytes(size);
  }

  private String now() {
    return clock.nanoTime() / 1_000_000 + "ms";
  }

  /** A peer serving {@code data}, named in the log. */
  private final class Source {
    final String name;
    final PeerId id;
    final InMemoryTransport transport = network.newTransport();
    final TransportServer server;

    Source(String name, byte[] data) throws Exception {
      this(name, data, Identity.generate().peerId());
    }

    /** A second way to the peer {@code id} (another path, another transport). */
    Source(String name, byte[] data, PeerId id) throws Exception {
      this.name = name;
      this.id = id;
      ChunkProvider provider = new ChunkProvider() {
        @Override
        public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
          return true;
        }

        @Override
        public int chunkLength(DataSessionId session, int index) {
          long start = (long) index * Manifest.CHUNK_SIZE;
          return index < 0 || start >= data.length ? -1
              : (int) Math.min(Manifest.CHUNK_SIZE, data.length - start);
        }

        @Override
        public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
          dst.put(data, index * Manifest.CHUNK_SIZE + offset, dst.remaining());
        }
      };
      closing.add(transport);
      server = transport.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), provider)
          .get(5, TimeUnit.SECONDS);
    }

    RealStreamSession.Source spec() {
      return spec(null);
    }

    /** The source as a session sees it, over the transport named {@code transportName}. */
    RealStreamSession.Source over(String transportName) {
      RealStreamSession.Source plain = spec();
      return new RealStreamSession.Source(id, plain.transport(), plain.endpoint(),
          plain.sessionId(), new byte[0], null, new byte[0], transportName, null);
    }

    /** The source as a session sees it, holding the chunks of {@code availability} (all: null). */
    RealStreamSession.Source spec(java.util.@org.jspecify.annotations.Nullable BitSet availability) {
      byte[] sid = new byte[16];
      sid[0] = (byte) name.charAt(0);
      return new RealStreamSession.Source(id, new Logging(name), server.address(),
          DataSessionId.fromBytes(sid), new byte[0], availability);
    }
  }

  /** The receiver's transport, logging every request and cancel the session makes. */
  private final class Logging implements DataTransport {
    private final String name;

    Logging(String name) {
      this.name = name;
    }

    @Override
    public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
        byte[] handshake, DataSession.Listener listener) {
      return receiver.open(source, id, handshake, listener).thenApply(s -> new DataSession() {
        @Override
        public DataSessionId id() {
          return s.id();
        }

        @Override
        public InetSocketAddress remote() {
          return s.remote();
        }

        @Override
        public void request(int chunk) {
          log.add(now() + " " + name + " request " + chunk);
          s.request(chunk);
        }

        @Override
        public void cancel(int chunk) {
          log.add(now() + " " + name + " cancel " + chunk);
          s.cancel(chunk);
        }

        @Override
        public void close() {
          s.close();
        }
      });
    }

    @Override
    public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
      throw new UnsupportedOperationException("a simulated source is only called, never serves");
    }

    @Override
    public void close() {}
  }

  /** Logs the listener's events by the name of the source they concern. */
  private final class Events extends StreamSession.Listener {
    private final List<Source> sources;

    Events(List<Source> sources) {
      this.sources = sources;
    }

    private String name(PeerId peer) {
      return sources.stream().filter(s -> s.id.equals(peer)).findFirst().orElseThrow().name;
    }

    @Override
    public void onBuffering(StreamSession s) {
      log.add(now() + " buffering");
    }

    @Override
    public void onStarted(StreamSession s) {
      log.add(now() + " started");
    }

    @Override
    public void onSourceAdded(StreamSession s, PeerId source) {
      log.add(now() + " added " + name(source));
    }

    @Override
    public void onSourceDropped(StreamSession s, PeerId source, String reason) {
      log.add(now() + " dropped " + name(source) + ": " + reason);
    }

    @Override
    public void onSourceFallback(StreamSession s, PeerId source, String from, String to,
        String why) {
      log.add(now() + " moved " + name(source) + " from " + from + " to " + to + ": " + why);
    }

    @Override
    public void onFinished(StreamSession s) {
      log.add(now() + " finished");
    }

    @Override
    public void onFailed(StreamSession s, Throwable cause) {
      log.add(now() + " failed: " + cause.getMessage());
    }
  }

  private RealStreamSession session(Manifest m, List<Source> sources) {
    List<RealStreamSession.Source> specs = new ArrayList<>();
    for (Source s : sources) {
      specs.add(s.spec());
    }
    RealStreamSession session = RealStreamSession.driven(m, specs,
        () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(sources),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);
    return session;
  }

  /**
   * Moves the clock one cycle on, runs the agent once, and reads what is readable, at most {@code
   * budget} bytes.
   */
  private void cycle(RealStreamSession session, long budget) throws IOException {
    network.advance(CYCLE);
    session.agent().doWork(clock.nanoTime());
    if (session.completion().isDone()) {
      return;
    }
    InputStream in = session.inputStream();
    for (int n = in.available(); n > 0 && budget > 0; n = in.available()) {
      byte[] got = in.readNBytes((int) Math.min(n, budget));
      heard.write(got);
      budget -= got.length;
    }
  }

  /** A cycle whose reader reads everything readable. */
  private void cycle(RealStreamSession session) throws IOException {
    cycle(session, Long.MAX_VALUE);
  }

  /** A cycle whose reader plays at the bitrate: one cycle's worth of bytes. */
  private void playCycle(RealStreamSession session) throws IOException {
    cycle(session, BITRATE * CYCLE.toMillis() / 1000);
  }

  private static Manifest manifest(byte[] data) throws IOException {
    return TestTracks.manifest(data);
  }

  private int indexOf(String entry) {
    return log.indexOf(log.stream().filter(l -> l.endsWith(entry)).findFirst().orElseThrow());
  }

  private static long timeMs(String entry) {
    return Long.parseLong(entry.substring(0, entry.indexOf("ms ")));
  }

  @Test
  void startsOnTheFirstCycleAndCountsTimeToFirstByteOnTheClockItIsHanded() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE + 99);
    Source a = new Source("a", data);
    RealStreamSession session = session(manifest(data), List.of(a));

    assertThat(log).as("nothing happens before the agent runs, though the source is open").isEmpty();

    cycle(session);
    assertThat(log).startsWith("10ms buffering", "10ms added a", "10ms a request 0");
    assertThat(session.stats().timeToFirstByte()).as("the chunks came, but no cycle saw them")
        .isNull();

    cycle(session);
    assertThat(log).contains("20ms started");
    assertThat(session.stats().timeToFirstByte()).isEqualTo(Duration.ofMillis(20));

    while (!session.completion().isDone() && clock.nanoTime() < 10_000_000_000L) {
      cycle(session);
    }
    assertThat(session.completion()).isCompleted();
    assertThat(heard.toByteArray()).isEqualTo(data);
    assertThat(log.get(log.size() - 1)).endsWith(" finished");
    assertThat(session.sources()).singleElement()
        .satisfies(st -> assertThat(st.roundTrip()).isEqualTo(CYCLE));
  }

  @Test
  void aSourceThatFallsSilentIsDroppedAfterThreeTimeoutsAndThreeSecondsAndTheSessionFailsNamingTheChunk()
      throws Exception {
    byte[] data = track(300 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    RealStreamSession session = session(manifest(data), List.of(a));
    while (clock.nanoTime() < 5_000_000_000L) {
      playCycle(session);
    }
    network.kill(a.server.address());
    log.add(now() + " killed a");
    while (!session.completion().isDone() && clock.nanoTime() < 30_000_000_000L) {
      playCycle(session);
    }

    // Answered within a cycle, the source's timeout is the least there is (200 ms), doubled at
    // each timeout; once three in a row have passed and it has been silent for 3 s since it was
    // asked again at 5,250 ms (it rested before, its buffer ahead full; a listener changing
    // networks is that long without a path), it is dropped, and with it the last source of chunk
    // 86.
    List<String> afterKill = log.subList(indexOf(" killed a") + 1, log.size());
    assertThat(afterKill.subList(0, afterKill.size() - 1)).containsExactly(
        "5250ms a request 86",
        "5460ms a cancel 86", "5460ms a request 86",
        "5660ms a request 87",
        "5870ms a cancel 86", "5870ms a request 86",
        "6470ms a cancel 87", "6470ms a request 87",
        "7480ms a cancel 86", "7480ms a request 86",
        "8250ms dropped a: source 0 timed out 4 times");
    assertThat(afterKill.get(afterKill.size() - 1)).startsWith("8250ms failed: cannot play ")
        .contains("chunk 86 cannot be fetched");
    assertThat(timeMs(afterKill.get(1)) - timeMs(afterKill.get(0)))
        .isGreaterThanOrEqualTo(TimeUnit.NANOSECONDS.toMillis(ScheduledSource.MIN_RTO_NS));
    assertThat(log).filteredOn(l -> l.contains("dropped")).hasSize(1);
    assertThat(session.completion()).isCompletedExceptionally();
    byte[] got = heard.toByteArray();
    // Played at the bitrate, one cycle's bytes in every cycle before the one that failed.
    assertThat(got).hasSize((int) (BITRATE * (8250 - CYCLE.toMillis()) / 1000))
        .isEqualTo(java.util.Arrays.copyOf(data, got.length));
  }

  @Test
  void chunksInFlightAtASilentSourceAreRequestedAgainElsewhereBeforeTheyCouldTimeOut()
      throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE + 99);
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    RealStreamSession session = session(manifest(data), List.of(a, b));
    network.kill(a.server.address()); // open, but nothing it is asked for ever comes

    while (!session.completion().isDone() && clock.nanoTime() < 10_000_000_000L) {
      cycle(session);
    }

    assertThat(heard.toByteArray()).isEqualTo(data);
    long finishedMs = timeMs(log.get(indexOf(" finished")));
    assertThat(finishedMs).as("done before any request to the silent source could time out")
        .isLessThan(TimeUnit.NANOSECONDS.toMillis(ScheduledSource.INITIAL_RTO_NS));
    // At the start the sources together have one source's pipeline (two requests), and a copy
    // of a chunk waits until its holder has not answered for two round trips (200 ms assumed).
    assertThat(log).as("the first chunk asked again of b once a is two round trips late")
        .contains("10ms a request 0", "10ms b request 1", "410ms b request 0", "420ms a cancel 0");
    List<String> askedOfA = log.stream().filter(l -> l.contains(" a request ")).toList();
    assertThat(askedOfA).isNotEmpty();
    for (String request : askedOfA) {
      String chunk = request.substring(request.lastIndexOf(' ') + 1);
      String again = log.stream().filter(l -> l.endsWith(" b request " + chunk)).findFirst()
          .orElseThrow(() -> new AssertionError("chunk " + chunk + " never asked of b: " + log));
      assertThat(timeMs(again) - timeMs(request)).as("endgame copy of chunk %s", chunk)
          .isBetween(0L, 2 * ScheduledSource.INITIAL_RTT_ESTIMATE_NS / 1_000_000
              + 2 * CYCLE.toMillis());
      assertThat(log).as("the silent copy of chunk %s is cancelled", chunk)
          .anyMatch(l -> l.endsWith(" a cancel " + chunk));
    }
    assertThat(log).noneMatch(l -> l.contains("dropped"));
  }

  @Test
  void chunksAskedWhenTheSessionWasPreOpenedAreTimedFromThenAndAskedOnceMore() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    RealStreamSession.Source plain = a.spec();
    // Opened, with its first two chunks asked, 200 ms before the stream session starts (the
    // manifest was on its way meanwhile).
    PreOpenedTransport pre = PreOpenedTransport.open(plain.transport(), plain.endpoint(),
        plain.sessionId(), plain.handshake(), plain.sourceKey(), new int[] {0, 1},
        clock.nanoTime());
    network.advance(Duration.ofMillis(200));
    Manifest m = manifest(data);
    RealStreamSession session = RealStreamSession.driven(m,
        List.of(new RealStreamSession.Source(plain.peer(), pre, plain.endpoint(),
            plain.sessionId(), plain.handshake(), null)),
        () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(List.of(a)),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);

    cycle(session);
    // The test's transport carries no wants in an opening: the two are wanted once, once open.
    assertThat(log).startsWith("210ms buffering", "210ms added a", "210ms a request 0",
        "210ms a request 1");
    cycle(session);
    assertThat(log.stream().filter(l -> l.endsWith(" a request 0"))).hasSize(1);
    // The two answered in the second cycle, 220 ms after they were asked; a chunk asked in the
    // first cycle, 10 ms after: timed from the session's start, every round trip would be 10 ms.
    assertThat(session.sources()).singleElement().satisfies(st ->
        assertThat(st.roundTrip()).as("smoothed, from the opening").isGreaterThan(
            Duration.ofMillis(150)));
  }

  @Test
  void aPreOpenedSourceIsTakenToBeAsFarAsItsStreamInitiationTookUntilItAnswers() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    RealStreamSession.Source plain = a.spec();
    // Its stream initiation took 500 ms, request to accept: a slow path.
    PreOpenedTransport pre = PreOpenedTransport.open(plain.transport(), plain.endpoint(),
        plain.sessionId(), plain.handshake(), plain.sourceKey(), new int[] {0, 1},
        clock.nanoTime(), 500_000_000L);
    network.kill(a.server.address()); // open, but nothing it is asked for comes
    Manifest m = manifest(data);
    RealStreamSession session = RealStreamSession.driven(m,
        List.of(new RealStreamSession.Source(plain.peer(), pre, plain.endpoint(),
            plain.sessionId(), plain.handshake(), null), b.spec()),
        () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(List.of(a, b)),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);
    while (log.stream().noneMatch(l -> l.endsWith(" b request 0"))
        && clock.nanoTime() < 3_000_000_000L) {
      cycle(session);
    }
    // Not two assumed round trips (400 ms) after the opening, but two of its own: 1,000 ms.
    assertThat(timeMs(log.get(indexOf(" b request 0")))).isBetween(1000L, 1020L);
  }

  @Test
  void aSourceThatAcceptsLaterJoinsTheRunningSessionAndTakesAShareOfTheTrack() throws Exception {
    byte[] data = track(100 * Manifest.CHUNK_SIZE); // 41 s at the bitrate
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    Manifest m = manifest(data);
    RealStreamSession session = RealStreamSession.driven(m, List.of(a.spec()), 1,
        () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(List.of(a, b)),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);

    for (int i = 0; i < 30; i++) { // 300 ms on a before b accepts
      playCycle(session);
    }
    assertThat(log).contains("10ms added a", "20ms started").noneMatch(l -> l.contains(" b "));
    session.addSource(b.spec());
    while (!session.completion().isDone() && clock.nanoTime() < 120_000_000_000L) {
      playCycle(session);
    }

    assertThat(session.completion()).isCompleted();
    heard.write(session.inputStream().readAllBytes()); // what the last cycle left
    assertThat(java.util.Arrays.equals(heard.toByteArray(), data)).as("the track, whole").isTrue();
    assertThat(log).contains("310ms added b");
    assertThat(session.sources()).hasSize(2);
    assertThat(session.sources().get(1).peer()).isEqualTo(b.id);
    assertThat(session.sources().get(1).chunks()).as("b's share of the track").isPositive();
  }

  @Test
  void aDirectPathToASourceTheRelayCarriesTakesOverAndTheRelayedSessionIsLetGo() throws Exception {
    byte[] data = track(100 * Manifest.CHUNK_SIZE);
    Source relayed = new Source("r", data);
    Source direct = new Source("d", data, relayed.id);
    Manifest m = manifest(data);
    RealStreamSession session = RealStreamSession.driven(m, List.of(relayed.over("grpc-relayed")),
        1, () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(List.of(relayed)),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);
    for (int i = 0; i < 30; i++) {
      playCycle(session);
    }
    session.addSource(direct.over("udp"));
    while (!session.completion().isDone() && clock.nanoTime() < 120_000_000_000L) {
      playCycle(session);
    }

    assertThat(session.completion()).isCompleted();
    heard.write(session.inputStream().readAllBytes());
    assertThat(java.util.Arrays.equals(heard.toByteArray(), data)).as("the track, whole").isTrue();
    assertThat(log).contains("310ms moved r from grpc-relayed to udp: a direct path opened")
        .noneMatch(l -> l.contains("added") && l.startsWith("310ms"));
    assertThat(log.stream().filter(l -> l.contains(" r request ")))
        .as("nothing asked of the relayed session once the direct one opened")
        .allMatch(l -> timeMs(l) < 310);
    assertThat(session.sources()).extracting(SourceStats::transport, SourceStats::active)
        .containsExactly(tuple("grpc-relayed", false), tuple("udp", true));
    assertThat(session.sources().get(1).chunks()).as("the direct path's share").isPositive();
  }

  @Test
  void aDirectPathThatDoesNotOpenLeavesTheRelayedSessionAsItWasAndDropsNoSource()
      throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source relayed = new Source("r", data);
    Source direct = new Source("d", data, relayed.id);
    network.kill(direct.server.address()); // the punch does not get through
    Manifest m = manifest(data);
    RealStreamSession session = RealStreamSession.driven(m, List.of(relayed.over("grpc-relayed")),
        1, () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(List.of(relayed)),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);
    for (int i = 0; i < 10; i++) {
      cycle(session);
    }
    session.addSource(direct.over("udp"));
    while (!session.completion().isDone() && clock.nanoTime() < 30_000_000_000L) {
      cycle(session);
    }
    assertThat(session.completion()).isCompleted();
    heard.write(session.inputStream().readAllBytes());
    assertThat(java.util.Arrays.equals(heard.toByteArray(), data)).as("the track, whole").isTrue();
    assertThat(log).noneMatch(l -> l.contains("dropped") || l.contains("moved"));
    assertThat(session.sources()).extracting(SourceStats::transport)
        .containsExactly("grpc-relayed", "udp");
    assertThat(session.sources().get(0).chunks()).isEqualTo(40);
  }

  @Test
  void aSessionWhoseOnlyOpenSourceFailsWaitsForThoseStillBeingAsked() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    Source c = new Source("c", data);
    network.kill(a.server.address()); // a cannot be reached: its open fails
    Manifest m = manifest(data);
    RealStreamSession session = RealStreamSession.driven(m, List.of(a.spec()), 2,
        () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(List.of(a, b, c)),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);
    for (int i = 0; i < 10; i++) {
      cycle(session);
    }
    assertThat(session.completion()).as("b and c are still being asked").isNotDone();

    session.sourceNotComing("it did not accept a session");
    cycle(session);
    assertThat(session.completion()).as("c is still being asked").isNotDone();
    session.addSource(c.spec());
    while (!session.completion().isDone() && clock.nanoTime() < 30_000_000_000L) {
      cycle(session);
    }
    assertThat(session.completion()).isCompleted();
    heard.write(session.inputStream().readAllBytes());
    assertThat(java.util.Arrays.equals(heard.toByteArray(), data)).as("the track, whole").isTrue();
  }

  @Test
  void aSessionFailsOnceTheLastSourceStillBeingAskedDoesNotCome() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    network.kill(a.server.address());
    Manifest m = manifest(data);
    RealStreamSession session = RealStreamSession.driven(m, List.of(a.spec()), 1,
        () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(List.of(a, b)),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);
    for (int i = 0; i < 10; i++) {
      cycle(session);
    }
    assertThat(session.completion()).isNotDone();
    session.sourceNotComing("it did not accept a session");
    cycle(session);
    assertThat(session.completion()).isCompletedExceptionally();
    assertThat(log.get(log.size() - 1)).contains("failed: cannot play ")
        .contains("it did not accept a session");
  }

  @Test
  void aSessionWhoseSourcesLackAChunkFailsOnceTheLastSourceBeingAskedDoesNotCome()
      throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    java.util.BitSet half = new java.util.BitSet();
    half.set(0, 20); // a holds the first half of the track, as a partial copy on disk does
    Manifest m = manifest(data);
    RealStreamSession session = RealStreamSession.driven(m, List.of(a.spec(half)), 1,
        () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(List.of(a)),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);
    while (clock.nanoTime() < 20_000_000_000L) {
      cycle(session);
    }
    assertThat(session.completion()).as("the peer still being asked may hold the rest")
        .isNotDone();
    session.sourceNotComing("it did not accept a session");
    for (int i = 0; i < 10 && !session.completion().isDone(); i++) {
      cycle(session);
    }
    assertThat(session.completion()).as("nobody left has chunk 20").isCompletedExceptionally();
    assertThat(log.get(log.size() - 1)).contains("failed: cannot play ").contains("chunk 20");
  }
}
