package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Loudp2pException;
import io.loudp2p.Peer;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.InMemoryProviders;
import io.loudp2p.core.testing.InMemoryTransport;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.core.testing.VirtualPeers;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.TransportServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sources' vote on a track's size, between real core peers on an in-memory network and
 * virtual time: a session starts on the first source that agrees with the manifest, without
 * waiting for the others to answer, and ends as soon as they outvote a lying manifest; the next
 * stream of that track waits for the vote and plays the manifest most sources agree with.
 */
class SizeVoteTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** The track's bytes: 40 whole chunks and 1,044 bytes (a WAV header and 1,000 of noise). */
  private static final byte[] SONG = TestAudio.noiseWavOfBytes(40 * 16_384 + 1_000, 9);

  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(23)
      .delivery(InMemoryNetwork.Delivery.MANUAL).build();
  private final VirtualPeers peers = new VirtualPeers(network, 23);
  @TempDir Path tmp;

  @AfterEach
  void tearDown() {
    peers.close();
  }

  @Test
  void aSessionStartsOnTheFirstAgreeingSourceAndTheOthersJoinWhenTheyAnswer() throws Exception {
    Gate first = holder("first");
    Gate second = holder("second");
    Gate third = holder("third");
    Peer player = player(first, second, third);
    TrackId track = search(player, first, second, third);

    try (StreamSession session = streamWhileHeld(player, track, second, third)) {
      assertThat(second.held).as("their accepts still held back").isNotEmpty();
      assertThat(third.held).isNotEmpty();
      second.release();
      third.release();
      runUntil(() -> session.sources().size() == 3, "the two that answered late joined");
      assertThat(readAll(session)).isEqualTo(SONG);
    }
  }

  @Test
  void aLyingManifestStartedOnIsRefutedByTheVoteAndTheNextStreamPlaysTheTrueOne()
      throws Exception {
    Gate liar = holder("liar");
    Gate honest = holder("honest");
    Gate other = holder("other");
    liar.sizeShift = 500; // 500 bytes short: the same chunk count, so the root check passes
    Peer player = player(liar, honest, other);
    TrackId track = search(player, liar, honest, other);

    StreamSession refuted = streamWhileHeld(player, track, honest, other); // on the liar
    assertThat(refuted.length()).as("the liar's manifest").isEqualTo(SONG.length - 500);

    honest.release();
    other.release();
    runUntil(refuted.completion()::isDone, "the session ended once the others answered");
    assertThatThrownBy(() -> refuted.completion().get()).cause()
        .isInstanceOfSatisfying(Loudp2pException.class, e -> {
          assertThat(e.code()).isEqualTo(Loudp2pException.Code.REFUSED);
          assertThat(e).hasMessageContaining("most sources of " + track + " state "
              + SONG.length + " bytes for it, not the " + (SONG.length - 500));
        });

    // The next stream of the track waits for the vote, and plays the manifest they agree on:
    // not the liar's, which the cache held.
    CompletableFuture<StreamSession> again = player.stream(track);
    runUntil(again::isDone, "the second stream opened");
    try (StreamSession session = again.get()) {
      assertThat(session.length()).isEqualTo(SONG.length);
      assertThat(readAll(session)).isEqualTo(SONG);
      assertThat(session.sources()).extracting(s -> s.peer())
          .containsExactlyInAnyOrder(honest.peer.peer().id(), other.peer.peer().id());
    }
  }

  /**
   * Streams {@code track} with {@code player} while the {@code held} holders' accepts are held
   * back: the session that opens on the others.
   */
  private StreamSession streamWhileHeld(Peer player, TrackId track, Gate... held)
      throws Exception {
    for (Gate g : held) {
      g.holding.add(ControlMethod.OPEN_STREAM);
    }
    CompletableFuture<StreamSession> opened = player.stream(track);
    runUntil(opened::isDone, "the stream opened on the holders that answered");
    return opened.get();
  }

  /** A started peer that shares a folder holding a copy of {@link #SONG}, behind a gate. */
  private Gate holder(String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.write(dir.resolve("song.wav"), SONG);
    InMemoryTransport transport = network.newTransport();
    Gate gate = new Gate(transport);
    gate.peer = peers.add(transport, InMemoryProviders.registry(gate, transport),
        Peer.builder().share(dir));
    gate.sealer = new EnvelopeSealer(gate.peer.identity(), peers.clock(), new Random(1));
    gate.peer.peer().start();
    return gate;
  }

  /** A started peer that knows the {@code holders}, and keeps what it plays in a cache. */
  private Peer player(Gate... holders) {
    Peer.Builder b = Peer.builder().cache(tmp.resolve("cache"), 64L << 20);
    for (Gate h : holders) {
      b.bootstrap(h.peer.address());
    }
    Peer player = peers.add(b).peer().start();
    runUntil(() -> player.peers().size() == holders.length, "the player knows every holder");
    return player;
  }

  /**
   * Searches for the song, the first holder's hit heard before the others': the holders of a
   * track are asked for its manifest in the order their hits came.
   */
  private TrackId search(Peer player, Gate first, Gate... others) throws Exception {
    for (Gate g : others) {
      g.holding.add(ControlMethod.SEARCH);
    }
    List<SearchHit> heard = new ArrayList<>();
    CompletableFuture<List<SearchHit>> hits =
        player.search("song", Duration.ofSeconds(2), heard::add);
    runUntil(() -> !heard.isEmpty(), "the first holder's hit");
    for (Gate g : others) {
      g.release();
    }
    runUntil(hits::isDone, "the search ended");
    assertThat(hits.get()).isNotEmpty();
    return hits.get().get(0).track().id();
  }

  /** Runs the network's clock on while the peers' own threads work, until {@code done}. */
  private void runUntil(java.util.function.BooleanSupplier done, String what) {
    Await.until(() -> {
      network.runFor(Duration.ofMillis(10));
      return done.getAsBoolean();
    }, WAIT, what);
  }

  private byte[] readAll(StreamSession session) throws Exception {
    InputStream in = session.inputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    runUntil(() -> {
      try {
        while (in.available() > 0) {
          int n = in.read(buf);
          if (n < 0) {
            return true;
          }
          out.write(buf, 0, n);
        }
        return out.size() == session.length();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, "the whole track read");
    return out.toByteArray();
  }

  /**
   * A peer's control transport whose answers the test holds back ({@link #holding}, until {@link
   * #release}) or makes lie about a track's size ({@link #sizeShift} bytes short, in its manifests
   * and stream accepts, signed anew with the peer's own key).
   */
  private static final class Gate implements ControlTransport {
    final InMemoryTransport inner;
    final Set<ControlMethod> holding = ConcurrentHashMap.newKeySet();
    final Queue<Runnable> held = new ConcurrentLinkedQueue<>();
    volatile long sizeShift;
    volatile VirtualPeers.@Nullable Made peer;
    volatile @Nullable EnvelopeSealer sealer;

    Gate(InMemoryTransport inner) {
      this.inner = inner;
    }

    /** Sends every answer held back, and holds back no more. */
    void release() {
      holding.clear();
      for (Runnable r; (r = held.poll()) != null; ) {
        r.run();
      }
    }

    private void send(ControlMethod method, Runnable answer) {
      if (holding.contains(method)) {
        held.add(answer);
      } else {
        answer.run();
      }
    }

    private byte[] rewrite(byte[] answer) {
      if (sizeShift == 0) {
        return answer;
      }
      try {
        Payload.Builder p = Payload.parseFrom(Envelope.parseFrom(answer).getPayload()).toBuilder();
        if (p.hasManifestResponse()) {
          p.getManifestResponseBuilder().getManifestBuilder()
              .setSize(p.getManifestResponse().getManifest().getSize() - sizeShift);
        } else if (p.hasStreamAccept()) {
          p.getStreamAcceptBuilder().setSize(p.getStreamAccept().getSize() - sizeShift);
        } else {
          return answer;
        }
        return sealer.seal(p).toByteArray();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }

    @Override
    public CompletableFuture<TransportServer> listen(InetSocketAddress address,
        ControlHandler handler) {
      return inner.listen(address, (request, remote, method, r) ->
          handler.handle(request, remote, method, new ControlResponder() {
            @Override
            public void reply(byte[] response) {
              byte[] b = rewrite(response);
              send(method, () -> r.reply(b));
            }

            @Override
            public void next(byte[] response) {
              byte[] b = rewrite(response);
              send(method, () -> r.next(b));
            }

            @Override
            public void complete() {
              send(method, r::complete);
            }

            @Override
            public void fail(ControlErrorCode code, String message) {
              send(method, () -> r.fail(code, message));
            }

            @Override
            public boolean isCancelled() {
              return r.isCancelled();
            }
          }));
    }

    @Override
    public CompletableFuture<byte[]> call(InetSocketAddress endpoint, ControlMethod method,
        byte[] request, Duration deadline) {
      return inner.call(endpoint, method, request, deadline);
    }

    @Override
    public CompletableFuture<Void> callStreaming(InetSocketAddress endpoint, ControlMethod method,
        byte[] request, Duration deadline, Consumer<byte[]> onResponse) {
      return inner.callStreaming(endpoint, method, request, deadline, onResponse);
    }

    @Override
    public void connect(InetSocketAddress endpoint) {
      inner.connect(endpoint);
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
