package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Loudp2pException;
import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.InMemoryTransport;
import io.loudp2p.core.testing.TestTracks;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The session end to end over the in-memory network: real threads, bounded waits. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealStreamSessionTest {
  private static final long BITRATE = 40_000; // 320 kbit/s in bytes per second

  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(11).build();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static byte[] track(int size) {
    return TestTracks.bytes(size);
  }

  private static Manifest manifest(byte[] track) throws IOException {
    return TestTracks.manifest(track);
  }

  /** A peer serving the track (or a corrupted copy, or without some chunks). */
  private final class FakePeer {
    final PeerId id = Identity.generate().peerId();
    final InMemoryTransport transport = network.newTransport();
    final TransportServer server;

    FakePeer(byte[] data, boolean corrupt, IntPredicate has) throws Exception {
      byte[] served = data.clone();
      if (corrupt) {
        for (int i = 100; i < served.length; i += Manifest.CHUNK_SIZE) {
          served[i] ^= 0x5A;
        }
      }
      ChunkProvider provider = new OneTrackProvider(served, has);
      closing.add(transport);
      server = transport.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), provider)
          .get(5, TimeUnit.SECONDS);
    }

    RealStreamSession.Source source(InMemoryTransport receiver, BitSet availability) {
      byte[] sid = new byte[16];
      new SplittableRandom(id.hashCode()).nextBytes(sid);
      return new RealStreamSession.Source(id, receiver, server.address(),
          DataSessionId.fromBytes(sid), new byte[0], availability);
    }
  }

  private RealStreamSession session(Manifest m, List<RealStreamSession.Source> sources,
      StreamSession.Listener listener) {
    RealStreamSession s = new RealStreamSession(m, sources,
        () -> new DefaultChunkScheduler(m.size(), BITRATE), listener, System::nanoTime);
    closing.add(s);
    return s;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }

  /** Reads the whole track, cutting {@code doomed} off once ten chunks were read. */
  private byte[] readCuttingAfterTenChunks(RealStreamSession session, FakePeer doomed)
      throws IOException {
    InputStream in = session.inputStream();
    byte[] first = in.readNBytes(10 * Manifest.CHUNK_SIZE);
    network.cut(doomed.server.address());
    byte[] rest = readAll(in);
    byte[] all = new byte[first.length + rest.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }

  @Test
  void streamsATrackFromThreeSourcesByteForByte() throws Exception {
    // Longer than the prefetch window, so the sources added a moment after the first share the rest.
    byte[] data = track(200 * Manifest.CHUNK_SIZE + 123);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    List<RealStreamSession.Source> sources = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sources.add(new FakePeer(data, false, c -> true).source(receiver, null));
    }
    List<String> events = new CopyOnWriteArrayList<>();
    RealStreamSession session = session(m, sources, new StreamSession.Listener() {
      @Override
      public void onBuffering(StreamSession s) {
        events.add("buffering");
      }

      @Override
      public void onStarted(StreamSession s) {
        events.add("started");
      }

      @Override
      public void onFinished(StreamSession s) {
        events.add("finished");
      }
    });

    assertThat(readAll(session.inputStream())).isEqualTo(data);
    session.completion().get(10, TimeUnit.SECONDS);

    assertThat(session.stats().timeToFirstByte()).isNotNull();
    assertThat(session.stats().verifiedBytes()).isEqualTo(data.length);
    assertThat(session.sources()).hasSize(3);
    assertThat(session.sources().stream().mapToLong(SourceStats::bytes).sum()).isEqualTo(data.length);
    assertThat(session.sources().stream().filter(s -> s.bytes() > 0).count())
        .as("work shared between the sources").isGreaterThan(1);
    assertThat(session.sources()).filteredOn(s -> s.chunks() > 0)
        .allSatisfy(s -> assertThat(s.bytesPerSecond()).isPositive());
    assertThat(events).containsSubsequence("buffering", "started", "finished");
  }

  /** A transport whose every open fails with {@code code}, as UDP does when datagrams are blocked. */
  private static DataTransport failingTransport(ControlErrorCode code) {
    return new DataTransport() {
      @Override
      public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
          byte[] handshake, DataSession.Listener listener) {
        return CompletableFuture.failedFuture(new ControlException(code, "no datagram came back"));
      }

      @Override
      public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("this transport only fails to open"));
      }

      @Override
      public void close() {}
    };
  }

  @Test
  void aSourceUnreachableOnItsPreferredTransportMovesToTheFallbackAndTheListenerIsTold()
      throws Exception {
    byte[] data = track(12 * Manifest.CHUNK_SIZE + 5);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    FakePeer peer = new FakePeer(data, false, c -> true);
    RealStreamSession.Source plain = peer.source(receiver, null);
    RealStreamSession.Source source = new RealStreamSession.Source(plain.peer(),
        failingTransport(ControlErrorCode.UNAVAILABLE), new InetSocketAddress("127.0.0.1", 9),
        plain.sessionId(), plain.handshake(), null, new byte[32], "udp",
        new RealStreamSession.Fallback(receiver, plain.endpoint(), "grpc"));
    List<String> events = new CopyOnWriteArrayList<>();
    RealStreamSession session = session(m, List.of(source), new StreamSession.Listener() {
      @Override
      public void onSourceFallback(StreamSession s, PeerId from, String was, String now, String why) {
        events.add(was + "->" + now + ": " + why);
      }
    });

    assertThat(readAll(session.inputStream())).isEqualTo(data);
    assertThat(events).containsExactly("udp->grpc: UNAVAILABLE: no datagram came back");
    assertThat(session.sources()).singleElement()
        .satisfies(st -> assertThat(st.transport()).isEqualTo("grpc"));
  }

  @Test
  void aSourceThatRefusesTheSessionIsNotRetriedOnTheFallback() throws Exception {
    byte[] data = track(4 * Manifest.CHUNK_SIZE);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    FakePeer peer = new FakePeer(data, false, c -> true);
    RealStreamSession.Source plain = peer.source(receiver, null);
    RealStreamSession.Source refused = new RealStreamSession.Source(plain.peer(),
        failingTransport(ControlErrorCode.UNAUTHENTICATED), new InetSocketAddress("127.0.0.1", 9),
        plain.sessionId(), plain.handshake(), null, new byte[32], "udp",
        new RealStreamSession.Fallback(receiver, plain.endpoint(), "grpc"));
    List<String> events = new CopyOnWriteArrayList<>();
    RealStreamSession session = session(m, List.of(refused), new StreamSession.Listener() {
      @Override
      public void onSourceFallback(StreamSession s, PeerId from, String was, String now, String why) {
        events.add("fallback");
      }

      @Override
      public void onSourceDropped(StreamSession s, PeerId from, String why) {
        events.add("dropped: " + why);
      }
    });

    assertThatThrownBy(() -> session.completion().get(10, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(Loudp2pException.class,
            e -> assertThat(e.code()).isEqualTo(Loudp2pException.Code.UNREACHABLE))
        .hasMessageContaining("none of the 1 sources could be reached")
        .hasCauseInstanceOf(IOException.class);
    assertThat(events).containsExactly(
        "dropped: could not open a data session: UNAUTHENTICATED: no datagram came back");
  }

  @Test
  void aSourceThatVanishesMidStreamIsDroppedWithoutTheReaderSeeingAGap() throws Exception {
    // Far longer than the prefetch bound (30 s at 40 kB/s, about 73 chunks), so most of the track
    // must be fetched after the cut.
    byte[] data = track(300 * Manifest.CHUNK_SIZE);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    FakePeer doomed = new FakePeer(data, false, c -> true);
    List<RealStreamSession.Source> sources = List.of(doomed.source(receiver, null),
        new FakePeer(data, false, c -> true).source(receiver, null),
        new FakePeer(data, false, c -> true).source(receiver, null));
    List<PeerId> dropped = new CopyOnWriteArrayList<>();
    RealStreamSession session = session(m, sources, new StreamSession.Listener() {
      @Override
      public void onSourceDropped(StreamSession s, PeerId source, String reason) {
        dropped.add(source);
      }
    });
    assertThat(readCuttingAfterTenChunks(session, doomed)).isEqualTo(data);
    assertThat(dropped).contains(doomed.id);
    List<SourceStats> stats = session.sources();
    assertThat(stats.get(0).bytes()).as("the doomed source's share").isLessThan(data.length / 3);
    assertThat(stats.get(1).bytes() + stats.get(2).bytes())
        .as("what the survivors carried").isGreaterThan(data.length / 2);
  }

  @Test
  void aLoneSourceWhosePathIsLostIsReplacedByANewSessionAndTheReaderSeesNoGap() throws Exception {
    // As when the relay a source is reached through leaves: its data session is lost, and the
    // peer opens a new one by another path, which joins; the session neither fails meanwhile nor
    // loses a byte.
    byte[] data = track(300 * Manifest.CHUNK_SIZE);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    FakePeer doomed = new FakePeer(data, false, c -> true);
    FakePeer again = new FakePeer(data, false, c -> true);
    List<PeerId> replaced = new CopyOnWriteArrayList<>();
    RealStreamSession session = session(m, List.of(doomed.source(receiver, null)),
        StreamSession.Listener.NONE);
    session.replaceLostSources(peer -> {
      replaced.add(peer);
      // A new session through another relay takes a few round trips: it joins half a second on.
      CompletableFuture.runAsync(() -> session.addSource(again.source(receiver, null)),
          CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS));
      return true;
    });
    assertThat(readCuttingAfterTenChunks(session, doomed)).isEqualTo(data);
    assertThat(replaced).containsExactly(doomed.id);
    assertThat(session.sources()).hasSize(2);
    assertThat(session.sources().get(1).bytes()).as("what the new session carried")
        .isGreaterThan(data.length / 2);
  }

  @Test
  void aSourceServingCorruptDataIsBannedAndTheBytesReadAreTheOriginal() throws Exception {
    byte[] data = track(30 * Manifest.CHUNK_SIZE);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    FakePeer liar = new FakePeer(data, true, c -> true);
    List<RealStreamSession.Source> sources = List.of(liar.source(receiver, null),
        new FakePeer(data, false, c -> true).source(receiver, null));
    List<PeerId> banned = new CopyOnWriteArrayList<>();
    // Both sources asked from the start, as they are once 5 s is buffered: read as fast as it
    // comes, the track is never 5 s ahead, and the start's bound may leave the liar too few
    // requests to fail three times before the honest source brought everything.
    RealStreamSession session = new RealStreamSession(m, sources,
        () -> new DefaultChunkScheduler(m.size(), BITRATE,
            DefaultChunkScheduler.DEFAULT_WINDOW_SECONDS * 1_000_000_000L,
            DefaultChunkScheduler.DEFAULT_BUFFER_SECONDS * 1_000_000_000L, 0),
        new StreamSession.Listener() {
          @Override
          public void onSourceBanned(StreamSession s, PeerId source, String reason) {
            banned.add(source);
          }
        }, System::nanoTime);
    closing.add(session);

    assertThat(readAll(session.inputStream())).isEqualTo(data);
    assertThat(banned).containsExactly(liar.id);
    assertThat(session.stats().rejectedChunks()).isPositive();
    assertThat(session.sources().get(0).active()).isFalse();
  }

  @Test
  void seekingToTheMiddleDeliversFromThere() throws Exception {
    byte[] data = track(50 * Manifest.CHUNK_SIZE);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    RealStreamSession session = session(m,
        List.of(new FakePeer(data, false, c -> true).source(receiver, null)), StreamSession.Listener.NONE);
    long middle = 25L * Manifest.CHUNK_SIZE + 77;

    session.seek(middle);
    byte[] got = session.inputStream().readNBytes(3 * Manifest.CHUNK_SIZE);

    assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(data, (int) middle, (int) middle + 3 * Manifest.CHUNK_SIZE));
  }

  @Test
  void seekingBackToBytesAlreadyReadFetchesThemAgain() throws Exception {
    byte[] data = track(30 * Manifest.CHUNK_SIZE);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    RealStreamSession session = session(m,
        List.of(new FakePeer(data, false, c -> true).source(receiver, null)), StreamSession.Listener.NONE);
    session.inputStream().readNBytes(20 * Manifest.CHUNK_SIZE);

    session.seek(3L * Manifest.CHUNK_SIZE + 5);
    byte[] again = session.inputStream().readNBytes(2 * Manifest.CHUNK_SIZE);

    assertThat(again).isEqualTo(java.util.Arrays.copyOfRange(data, 3 * Manifest.CHUNK_SIZE + 5,
        5 * Manifest.CHUNK_SIZE + 5));
  }

  @Test
  void aTrackNoSourceCanFinishFailsWithAClearErrorInsteadOfHanging() throws Exception {
    byte[] data = track(20 * Manifest.CHUNK_SIZE);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    BitSet withoutSeven = new BitSet();
    withoutSeven.set(0, 20);
    withoutSeven.clear(7);
    RealStreamSession session = session(m,
        List.of(new FakePeer(data, false, c -> c != 7).source(receiver, withoutSeven)),
        StreamSession.Listener.NONE);

    assertThatThrownBy(() -> readAll(session.inputStream()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("chunk 7");
    assertThatThrownBy(() -> session.completion().get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(Loudp2pException.class,
            e -> assertThat(e.code()).isEqualTo(Loudp2pException.Code.UNAVAILABLE))
        .hasCauseInstanceOf(IOException.class);
  }

  @Test
  void closingWakesABlockedReader() throws Exception {
    byte[] data = track(10 * Manifest.CHUNK_SIZE);
    Manifest m = manifest(data);
    InMemoryTransport receiver = network.newTransport();
    closing.add(receiver);
    // Opens its session, then falls silent: the reader blocks (an unreachable source would fail
    // the session instead).
    FakePeer silent = new FakePeer(data, false, c -> c == 0);
    CompletableFuture<Void> added = new CompletableFuture<>();
    RealStreamSession session = session(m, List.of(silent.source(receiver, null)),
        new StreamSession.Listener() {
          @Override
          public void onSourceAdded(StreamSession s, PeerId source) {
            network.kill(silent.server.address());
            added.complete(null);
          }
        });
    added.get(5, TimeUnit.SECONDS);

    List<Throwable> failure = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try {
        readAll(session.inputStream());
      } catch (IOException e) {
        failure.add(e);
      }
    });
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (reader.getState() != Thread.State.WAITING && reader.getState() != Thread.State.TIMED_WAITING
        && System.nanoTime() < deadline) {
      Thread.yield();
    }
    assertThat(reader.getState()).as("the reader waits for bytes").isIn(Thread.State.WAITING,
        Thread.State.TIMED_WAITING);

    session.close();
    reader.join(5000);

    assertThat(reader.isAlive()).isFalse();
    assertThat(failure).singleElement().isInstanceOf(IOException.class);
    session.close(); // idempotent
  }
}
