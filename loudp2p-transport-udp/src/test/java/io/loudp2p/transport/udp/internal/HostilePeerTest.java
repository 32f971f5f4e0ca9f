package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.Await;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.UdpTransportOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Peers that break the rules on purpose: what they can make the other side hold, send or take. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostilePeerTest extends RawPeerTestBase {
  /** Repeated wants a receiver may send without being cut off. */
  private static final int REPEATS_BELOW_LIMIT = UdpSettings.MAX_REPEATED_WANTS / 2;

  private RawPeer acceptedReceiver(DataServer server, DataSessionId id) throws Exception {
    RawPeer peer = later(new RawPeer());
    DataOffer offer = server.prepare(id, peer.publicKey);
    peer.asReceiver(id, offer.publicKey(), offer.endpoint());
    for (int attempt = 0; attempt < 20; attempt++) {
      peer.send(b -> b.put(Wire.HELLO).putShort((short) 1).put((byte) 1));
      ByteBuffer got = peer.receive(200);
      byte[] token = got == null ? null : RawPeer.acceptToken(got);
      if (token == null) {
        continue;
      }
      // Echo the address token, and wait for the ACK that shows the source pinned us.
      peer.send(b -> b.put(Wire.ECHO).put(token));
      long echo = peer.nextPn - 1;
      long deadline = System.nanoTime() + 1_000_000_000L;
      while (peer.largestAckedPn < echo && System.nanoTime() < deadline) {
        peer.receive(50);
      }
      if (peer.largestAckedPn >= echo) {
        return peer;
      }
    }
    throw new AssertionError("the source did not accept and pin");
  }

  private static void request(RawPeer peer, int first, int count, boolean want) throws Exception {
    peer.send(b -> {
      b.put(Wire.REQUEST).put((byte) count);
      for (int i = 0; i < count; i++) {
        int chunk = first + i;
        b.put(want ? Wire.WANT : Wire.CANCEL).putInt(chunk).putInt(chunk + 1);
      }
    });
  }

  /** What a receiver played by hand saw of the source's frames. */
  private static final class Seen {
    final Map<Integer, Set<Integer>> offsets = new HashMap<>();
    final Set<Long> unavailable = new HashSet<>();
    int dataFrames;
    boolean closed;
    int closeReason = -1;

    void take(ByteBuffer frames) {
      ByteBuffer b = frames.duplicate();
      while (b.hasRemaining()) {
        byte t = b.get();
        switch (t) {
          case Wire.ACK -> {
            if (Wire.readAck(b, new long[512], new long[1]) < 0) {
              return;
            }
          }
          case Wire.DATA -> {
            int chunk = b.getInt();
            int offset = b.getInt();
            int length = Short.toUnsignedInt(b.getShort()); // read before the position is taken
            b.position(b.position() + length);
            dataFrames++;
            offsets.computeIfAbsent(chunk, k -> new HashSet<>()).add(offset);
          }
          case Wire.UNAVAILABLE -> unavailable.add(Integer.toUnsignedLong(b.getInt()));
          case Wire.CLOSE -> {
            closed = true;
            closeReason = b.get();
          }
          case Wire.PING -> { }
          case Wire.ACCEPT -> b.position(b.position() + Wire.TOKEN_LENGTH);
          default -> {
            return;
          }
        }
      }
    }

    int fragmentsOf(int chunk) {
      return offsets.getOrDefault(chunk, Set.of()).size();
    }
  }

  /**
   * Receives and acknowledges until the source acknowledged our packet {@code pn}, the session
   * closed or {@code timeoutMs} passed.
   */
  private static void drainUntilAcked(RawPeer peer, Seen seen, long pn, long timeoutMs)
      throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (peer.largestAckedPn < pn && !seen.closed && System.nanoTime() < deadline) {
      ByteBuffer got = peer.receive(50);
      if (got != null) {
        seen.take(got);
      }
      peer.ackAll();
    }
  }

  /** Sends {@code count} wants of {@code chunk}, 64 to a REQUEST, sequence numbers from {@code seq}. */
  private static int wantRepeatedly(RawPeer peer, int chunk, int count, int seq) throws Exception {
    int next = seq;
    for (int left = count; left > 0; ) {
      int n = Math.min(left, Wire.MAX_REQUEST_ENTRIES);
      int first = next;
      peer.send(b -> {
        b.put(Wire.REQUEST).put((byte) n);
        for (int i = 0; i < n; i++) {
          b.put(Wire.WANT).putInt(chunk).putInt(first + i);
        }
      });
      next += n;
      left -= n;
    }
    return next;
  }

  @Test
  void aWantRepeatedWithNewerSequenceNumbersGetsTheChunkOnceAndEndsTheSessionPastTheLimit()
      throws Exception {
    UdpDataTransport source = later(new UdpDataTransport(TransportOptions.defaults()));
    DataServer server = later(source.serve(LOOPBACK, chunks(4)).get(5, TimeUnit.SECONDS));
    RawPeer peer = acceptedReceiver(server, id(4));
    int fragments = (CHUNK + Wire.MAX_FRAGMENT - 1) / Wire.MAX_FRAGMENT;
    Seen seen = new Seen();

    // A few repeats, well below the limit: the chunk arrives whole, and once.
    int seq = wantRepeatedly(peer, 0, REPEATS_BELOW_LIMIT, 1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (seen.fragmentsOf(0) < fragments && System.nanoTime() < deadline) {
      ByteBuffer got = peer.receive(50);
      if (got != null) {
        seen.take(got);
      }
      peer.ackAll();
    }
    assertThat(seen.fragmentsOf(0)).as("fragments of chunk 0").isEqualTo(fragments);
    assertThat(seen.closed).isFalse();

    // The attack: 100,000 wants of chunk 0 in all, each newer than the last, in bursts of eight
    // REQUESTs that the source has acknowledged before the next. The source stops them.
    int total = 100_000;
    int sent = REPEATS_BELOW_LIMIT;
    int bursts = 0;
    while (sent < total && !seen.closed) {
      bursts++;
      int n = Math.min(8 * Wire.MAX_REQUEST_ENTRIES, total - sent);
      seq = wantRepeatedly(peer, 0, n, seq);
      sent += n;
      drainUntilAcked(peer, seen, peer.nextPn - 1, 5000);
    }
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (!seen.closed && System.nanoTime() < deadline) {
      ByteBuffer got = peer.receive(50);
      if (got != null) {
        seen.take(got);
      }
      peer.ackAll();
    }
    System.out.printf("repeated wants: %d sent in %d bursts, %d DATA frames of chunk 0 (%d a copy)%n",
        sent, bursts, seen.dataFrames, fragments);
    // One copy for the wants before the attack, and at most one for each burst: the first want of
    // a burst that comes after the chunk arrived whole is served again (a player that let its copy
    // go may need it), while the rest of the burst meets that send under way and is ignored; both
    // count, and end the session. Never a copy per want.
    assertThat(seen.dataFrames).as("DATA frames of chunk 0")
        .isLessThanOrEqualTo((1 + bursts) * fragments + fragments / 2);
    assertThat(seen.closed).as("the source ended the session").isTrue();
    assertThat(seen.closeReason).isEqualTo(Wire.CLOSE_ERROR);
    assertThat(sent).as("wants sent before the source ended the session").isLessThan(total);
    Await.until(() -> source.stats().sessions() == 0, Duration.ofSeconds(5),
        "the source dropped the session");
  }

  /** Receives and acknowledges until {@code done} holds or {@code timeoutMs} passed. */
  private static void receiveUntil(RawPeer peer, Seen seen, java.util.function.BooleanSupplier done,
      long timeoutMs) throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      ByteBuffer got = peer.receive(50);
      if (got != null) {
        seen.take(got);
      }
      peer.ackAll();
    }
  }

  private static void entry(RawPeer peer, byte kind, int chunk, int seq) throws Exception {
    peer.send(b -> b.put(Wire.REQUEST).put((byte) 1).put(kind).putInt(chunk).putInt(seq));
  }

  @Test
  void aChunkWantedAgainAfterACancelOrOnceArrivedIsSentAgainButNotWhileItIsUnderWay()
      throws Exception {
    UdpDataTransport source = later(new UdpDataTransport(TransportOptions.defaults()));
    DataServer server = later(source.serve(LOOPBACK, chunks(4)).get(5, TimeUnit.SECONDS));
    RawPeer peer = acceptedReceiver(server, id(6));
    int fragments = (CHUNK + Wire.MAX_FRAGMENT - 1) / Wire.MAX_FRAGMENT;
    Seen seen = new Seen();
    entry(peer, Wire.WANT, 2, 1);
    receiveUntil(peer, seen, () -> seen.fragmentsOf(2) == fragments, 5000);
    assertThat(seen.dataFrames).isEqualTo(fragments);

    // The receiver cancelled (its copy from elsewhere arrived first, say) and needs it again.
    entry(peer, Wire.CANCEL, 2, 2);
    entry(peer, Wire.WANT, 2, 3);
    receiveUntil(peer, seen, () -> seen.dataFrames == 2 * fragments, 5000);
    assertThat(seen.dataFrames).as("DATA frames after a cancel and a want").isEqualTo(2 * fragments);

    // Asked again without a cancel once it arrived whole (a player seeking back to what it let
    // go does that): sent again. Asked twice more at once, while that copy is under way: not
    // sent again. Chunk 3, asked for behind them, shows the source went past the repeats.
    entry(peer, Wire.WANT, 2, 4);
    entry(peer, Wire.WANT, 2, 5);
    entry(peer, Wire.WANT, 2, 6);
    entry(peer, Wire.WANT, 3, 7);
    receiveUntil(peer, seen, () -> seen.fragmentsOf(3) == fragments, 5000);
    assertThat(seen.fragmentsOf(3)).isEqualTo(fragments);
    assertThat(seen.dataFrames).as("DATA frames of chunks 2 and 3").isEqualTo(4 * fragments);
    assertThat(seen.closed).isFalse();
  }

  @Test
  void aWantOfAChunkIndexFrom2To31UpIsAnsweredUnavailable() throws Exception {
    UdpDataTransport source = later(new UdpDataTransport(TransportOptions.defaults()));
    DataServer server = later(source.serve(LOOPBACK, chunks(4)).get(5, TimeUnit.SECONDS));
    RawPeer peer = acceptedReceiver(server, id(5));
    // Indexes are unsigned 32-bit: these are past 2^31 - 1, and no track has them; chunk 1 exists.
    long[] beyond = {1L << 31, (1L << 31) + 12_345, 0xFFFF_FFFFL, Integer.MAX_VALUE};
    peer.send(b -> {
      b.put(Wire.REQUEST).put((byte) (beyond.length + 1));
      for (int i = 0; i < beyond.length; i++) {
        b.put(Wire.WANT).putInt((int) beyond[i]).putInt(i + 1);
      }
      b.put(Wire.WANT).putInt(1).putInt(beyond.length + 1);
    });
    int fragments = (CHUNK + Wire.MAX_FRAGMENT - 1) / Wire.MAX_FRAGMENT;
    Seen seen = new Seen();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while ((seen.unavailable.size() < beyond.length || seen.fragmentsOf(1) < fragments)
        && System.nanoTime() < deadline) {
      ByteBuffer got = peer.receive(50);
      if (got != null) {
        seen.take(got);
      }
      peer.ackAll();
    }
    assertThat(seen.unavailable).as("chunks answered UNAVAILABLE")
        .containsExactlyInAnyOrder(beyond[0], beyond[1], beyond[2], beyond[3]);
    assertThat(seen.fragmentsOf(1)).as("fragments of chunk 1").isEqualTo(fragments);
    assertThat(source.drops().get(Drops.Reason.MALFORMED_FRAME)).isZero();
  }

  @Test
  void aReceiverThatStopsAcknowledgingGetsAWindowAndNoMoreAndCannotGrowTheSourcesState()
      throws Exception {
    int maxWanted = 8;
    UdpDataTransport source = later(new UdpDataTransport(TransportOptions.builder()
        .settings(UdpTransportOptions.builder().maxWanted(maxWanted).build()).build()));
    DataServer server = later(source.serve(LOOPBACK, chunks(4)).get(5, TimeUnit.SECONDS));
    RawPeer peer = acceptedReceiver(server, id(1));

    // 12,800 wants, all but eight beyond the want list, never acknowledged.
    int wants = 200 * Wire.MAX_REQUEST_ENTRIES;
    for (int r = 0; r < 200; r++) {
      request(peer, r * Wire.MAX_REQUEST_ENTRIES, Wire.MAX_REQUEST_ENTRIES, true);
    }
    int answers = 0;
    ByteBuffer got;
    while ((got = peer.receive(700)) != null) {
      if (RawPeer.holds(got, Wire.UNAVAILABLE) || RawPeer.holds(got, Wire.DATA)) {
        answers++;
      }
    }
    // What the initial window's bytes hold of the smallest answers, at the most.
    int smallest = Wire.HEADER_LENGTH + 5 + Wire.TAG_LENGTH;
    assertThat(answers).as("answers sent without an acknowledgement")
        .isPositive()
        .isLessThanOrEqualTo(
            DefaultCongestionController.INITIAL_WINDOW_DATAGRAMS * Wire.MAX_DATAGRAM / smallest);
    long held = source.stats().trackedState();
    assertThat(held).as("what the source session holds for it")
        // (beyond the queues and wants: the packets in flight, an initial window of them, and
        // the probes sent while nothing is acknowledged)
        .isLessThanOrEqualTo(UdpSettings.MAX_UNAVAILABLE_QUEUED + 2L * maxWanted + answers
            + DefaultCongestionController.INITIAL_WINDOW_DATAGRAMS + 16)
        .isLessThan(wants);

    // Acknowledging again opens the window: the queued answers drain and the state with them.
    Set<Integer> unavailable = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      got = peer.receive(300);
      if (got != null) {
        int chunk = RawPeer.chunkOf(got, Wire.UNAVAILABLE);
        if (chunk >= 0) {
          unavailable.add(chunk);
        }
        peer.ackAll();
      } else if (source.stats().trackedState() <= 1) {
        break;
      } else {
        peer.ackAll();
      }
    }
    assertThat(source.stats().trackedState()).isLessThanOrEqualTo(1);
    assertThat(unavailable).hasSizeGreaterThan(answers)
        .hasSizeLessThanOrEqualTo(UdpSettings.MAX_UNAVAILABLE_QUEUED + maxWanted + answers);
  }

  @Test
  void aRequestOfMoreThan64EntriesIsDroppedWhole() throws Exception {
    UdpDataTransport source = later(new UdpDataTransport(TransportOptions.defaults()));
    DataServer server = later(source.serve(LOOPBACK, chunks(100)).get(5, TimeUnit.SECONDS));
    RawPeer peer = acceptedReceiver(server, id(2));

    request(peer, 0, Wire.MAX_REQUEST_ENTRIES + 1, true); // chunks 0 to 64
    Await.until(() -> source.drops().get(Drops.Reason.MALFORMED_FRAME) == 1,
        Duration.ofSeconds(5), "the source dropped the REQUEST");
    request(peer, 99, 1, true);
    int fragments = 0;
    int expected = (CHUNK + Wire.MAX_FRAGMENT - 1) / Wire.MAX_FRAGMENT;
    while (fragments < expected) {
      ByteBuffer got = peer.receive(5000);
      assertThat(got).as("a DATA frame of chunk 99").isNotNull();
      int chunk = RawPeer.chunkOf(got, Wire.DATA);
      if (chunk >= 0) {
        assertThat(chunk).isEqualTo(99);
        fragments++;
      }
      peer.ackAll();
    }
  }

  @Test
  void aDataFrameOverTheFragmentLimitIsDropped() throws Exception {
    UdpDataTransport receiver = later(new UdpDataTransport(TransportOptions.defaults()));
    RawPeer peer = later(new RawPeer());
    DataSessionId id = id(3);
    byte[] receiverKey = receiver.prepare(id);
    List<int[]> fragments = new CopyOnWriteArrayList<>();
    CompletableFuture<DataSession> opened = receiver.open(peer.address(), id, new byte[] {1},
        peer.publicKey, new DataSession.Listener() {
          @Override
          public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
            fragments.add(new int[] {chunkIndex, data.remaining()});
          }

          @Override
          public void onUnavailable(int chunkIndex) {}

          @Override
          public void onClosed(DataSession.CloseReason reason) {}
        });
    peer.asSource(id, receiverKey, null);
    ByteBuffer hello = peer.receive(5000);
    assertThat(hello).isNotNull();
    assertThat(RawPeer.holds(hello, Wire.HELLO)).isTrue();
    peer.remote(peer.lastFrom);
    peer.send(b -> b.put(Wire.ACCEPT).put(new byte[Wire.TOKEN_LENGTH]));
    opened.get(5, TimeUnit.SECONDS);

    byte[] bytes = new byte[Wire.MAX_FRAGMENT + 1];
    peer.send(b -> b.put(Wire.DATA).putInt(0).putInt(0).putShort((short) bytes.length)
        .put(bytes));
    peer.send(b -> b.put(Wire.DATA).putInt(1).putInt(0).putShort((short) Wire.MAX_FRAGMENT)
        .put(bytes, 0, Wire.MAX_FRAGMENT));
    Await.until(() -> !fragments.isEmpty(), Duration.ofSeconds(5), "a fragment arrived");

    assertThat(fragments).hasSize(1);
    assertThat(fragments.get(0)).containsExactly(1, Wire.MAX_FRAGMENT);
    assertThat(receiver.drops().get(Drops.Reason.MALFORMED_FRAME)).isEqualTo(1);
  }
}
