package io.loudp2p.core.stream.internal;

import io.loudp2p.PeerId;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * What the tests of a stream session driven by hand share: no thread of its own, its agent run by
 * the test on the in-memory network's fake clock, so every time the session sees is one the test
 * chose. It owns the network, the sources the tests make on it, the log of what each session did
 * and was told, and the bytes its reader heard; the tests are in the classes that extend it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class HandDrivenSessionTest {
  static final long BITRATE = 40_000; // 320 kbit/s in bytes per second
  static final Duration CYCLE = Duration.ofMillis(10);

  final InMemoryNetwork network = InMemoryNetwork.builder().seed(5).build();
  final FakeClock clock = network.clock();
  final InMemoryTransport receiver = network.newTransport();
  final List<AutoCloseable> closing = new ArrayList<>(List.of(receiver));
  /** What the session did and was told, stamped with the clock, in order. */
  final List<String> log = new ArrayList<>();
  final ByteArrayOutputStream heard = new ByteArrayOutputStream();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  static byte[] track(int size) {
    return TestTracks.bytes(size);
  }

  String now() {
    return clock.nanoTime() / 1_000_000 + "ms";
  }

  /** A peer serving {@code data}, named in the log. */
  final class Source {
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
      ChunkProvider provider = new OneTrackProvider(data);
      closing.add(transport);
      server = transport.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), provider)
          .get(5, TimeUnit.SECONDS);
    }

    RealStreamSession.Source spec() {
      return spec(null);
    }

    /** The source as a session sees it, over the transport named {@code transportName}. */
    /**
     * The source as a session sees it once its data session was opened now, ahead of the session,
     * with chunks 0 and 1 asked in the opening, after a stream initiation that took {@code
     * initiationRttNs} (0: not known).
     */
    RealStreamSession.Source preOpened(long initiationRttNs) {
      RealStreamSession.Source plain = spec();
      PreOpenedTransport pre = PreOpenedTransport.open(plain.transport(), plain.endpoint(),
          plain.sessionId(), plain.handshake(), plain.sourceKey(), new int[] {0, 1},
          clock.nanoTime(), initiationRttNs);
      return new RealStreamSession.Source(id, pre, plain.endpoint(), plain.sessionId(),
          plain.handshake(), null);
    }

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
  final class Events extends StreamSession.Listener {
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

  RealStreamSession session(Manifest m, List<Source> sources) {
    List<RealStreamSession.Source> specs = new ArrayList<>();
    for (Source s : sources) {
      specs.add(s.spec());
    }
    return session(m, specs, 0, sources);
  }

  /**
   * A session over {@code specs} while {@code later} more sources are asked, closed after the
   * test; its events are logged with the names of {@code named}.
   */
  RealStreamSession session(Manifest m, List<RealStreamSession.Source> specs, int later,
      List<Source> named) {
    RealStreamSession session = RealStreamSession.driven(m, specs, later,
        () -> new DefaultChunkScheduler(m.size(), BITRATE), new Events(named),
        RealStreamSession.ChunkSink.NONE, clock.nanoSource());
    closing.add(session);
    return session;
  }

  /**
   * Moves the clock one cycle on, runs the agent once, and reads what is readable, at most {@code
   * budget} bytes.
   */
  void cycle(RealStreamSession session, long budget) throws IOException {
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
  void cycle(RealStreamSession session) throws IOException {
    cycle(session, Long.MAX_VALUE);
  }

  /** A cycle whose reader plays at the bitrate: one cycle's worth of bytes. */
  void playCycle(RealStreamSession session) throws IOException {
    cycle(session, BITRATE * CYCLE.toMillis() / 1000);
  }

  static Manifest manifest(byte[] data) throws IOException {
    return TestTracks.manifest(data);
  }

  int indexOf(String entry) {
    return log.indexOf(log.stream().filter(l -> l.endsWith(entry)).findFirst().orElseThrow());
  }

  static long timeMs(String entry) {
    return Long.parseLong(entry.substring(0, entry.indexOf("ms ")));
  }
}
