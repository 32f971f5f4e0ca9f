package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Early requests (PROTOCOL.md section 8): REQUEST frames in the first HELLO datagram, answered
 * before the source pinned the receiver when the provider knows the receiver's host, once per
 * session and only to where that HELLO came from; a receiver played by hand shows what the source
 * sends, and when.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EarlyRequestTest extends RawPeerTestBase {
  private static final int FRAGMENTS = (CHUNK + Wire.MAX_FRAGMENT - 1) / Wire.MAX_FRAGMENT;

  private RawPeer receiverOf(boolean early, int session) throws Exception {
    UdpDataTransport source = later(new UdpDataTransport(TransportOptions.defaults()));
    DataServer server = later(source.serve(LOOPBACK, chunks(4, early)).get(5, TimeUnit.SECONDS));
    RawPeer peer = later(new RawPeer());
    DataOffer offer = server.prepare(id(session), peer.publicKey);
    peer.asReceiver(id(session), offer.publicKey(), offer.endpoint());
    return peer;
  }

  /** A HELLO frame, then a REQUEST frame wanting {@code chunk} with request sequence 1. */
  private static void helloWanting(ByteBuffer b, int chunk) {
    b.put(Wire.HELLO).putShort((short) 1).put((byte) 1);
    b.put(Wire.REQUEST).put((byte) 1).put(Wire.WANT).putInt(chunk).putInt(1);
  }

  /** The DATA frames' (chunk, offset) pairs, and the ACCEPT token, of what arrives for a while. */
  private static final class Heard {
    final Set<Long> fragments = new HashSet<>();
    byte[] token;
    int datagrams;

    void take(ByteBuffer frames) {
      datagrams++;

      ByteBuffer b = frames.duplicate();
      while (b.hasRemaining()) {
        byte t = b.get();
        switch (t) {
          case Wire.ACK -> Wire.readAck(b, new long[512], new long[1]);
          case Wire.ACCEPT -> {
            token = new byte[Wire.TOKEN_LENGTH];
            b.get(token);
          }
          case Wire.DATA -> {
            int chunk = b.getInt();
            int offset = b.getInt();
            int length = Short.toUnsignedInt(b.getShort());
            b.position(b.position() + length);
            fragments.add(((long) chunk << 32) | offset);
          }
          default -> {
            return;
          }
        }
      }
    }

    long ofChunk(int chunk) {
      return fragments.stream().filter(f -> (f >>> 32) == chunk).count();
    }
  }

  private static Heard listen(RawPeer peer, long forMs, boolean ack) throws Exception {
    Heard heard = new Heard();
    long until = System.nanoTime() + forMs * 1_000_000L;
    while (System.nanoTime() < until) {
      ByteBuffer got = peer.receive(Math.max(1, (until - System.nanoTime()) / 1_000_000L));
      if (got != null) {
        heard.take(got);
        if (ack) { // this datagram alone: what went elsewhere was not received
          long pn = peer.lastPn;
          peer.send(b -> Wire.writeAck(b, new long[] {pn}, new long[] {pn}, 1, 0));
        }
      }
    }
    return heard;
  }

  @Test
  void theChunkAskedForInTheHelloArrivesBeforeTheReceiverEchoedItsToken() throws Exception {
    RawPeer peer = receiverOf(true, 1);
    peer.send(b -> helloWanting(b, 2));

    // No ECHO, no ACK: the source has pinned nothing, yet sends the chunk wanted, whole, here.
    Heard heard = listen(peer, 500, false);
    assertThat(heard.token).as("the ACCEPT").isNotNull();
    assertThat(heard.ofChunk(2)).as("fragments of chunk 2 before pinning").isEqualTo(FRAGMENTS);
    assertThat(heard.fragments).allMatch(f -> (f >>> 32) == 2);
    // Nothing beyond the initial window was sent without an acknowledgement.
    assertThat(heard.datagrams - 1)
        .isLessThanOrEqualTo(DefaultCongestionController.INITIAL_WINDOW_DATAGRAMS);

    // The echo pins the session; then requests count as usual.
    byte[] token = heard.token;
    peer.send(b -> b.put(Wire.ECHO).put(token));
    peer.ackAll();
    peer.send(b -> b.put(Wire.REQUEST).put((byte) 1).put(Wire.WANT).putInt(3).putInt(2));
    Heard after = listen(peer, 1000, true);
    assertThat(after.ofChunk(3)).isEqualTo(FRAGMENTS);
  }

  @Test
  void withoutTheProvidersWordTheRequestInTheHelloIsNotTakenAndNothingButTheAcceptComes()
      throws Exception {
    RawPeer peer = receiverOf(false, 2);
    peer.send(b -> helloWanting(b, 2));
    Heard heard = listen(peer, 500, false);
    assertThat(heard.token).isNotNull();
    assertThat(heard.fragments).isEmpty();
    assertThat(heard.datagrams).isEqualTo(1);

    // Pinned, the session has no want from the HELLO: chunk 2 comes only once asked again.
    byte[] token = heard.token;
    peer.send(b -> b.put(Wire.ECHO).put(token));
    assertThat(listen(peer, 300, true).fragments).isEmpty();
    peer.send(b -> b.put(Wire.REQUEST).put((byte) 1).put(Wire.WANT).putInt(2).putInt(2));
    assertThat(listen(peer, 1000, true).ofChunk(2)).isEqualTo(FRAGMENTS);
  }

  @Test
  void onlyTheFirstHelloDatagramsRequestsAreTakenEarly() throws Exception {
    RawPeer peer = receiverOf(true, 3);
    peer.send(b -> helloWanting(b, 1));
    Heard first = listen(peer, 500, false);
    assertThat(first.ofChunk(1)).isEqualTo(FRAGMENTS);

    // A later HELLO datagram (a new packet number) asks for more: not taken before pinning.
    peer.send(b -> {
      b.put(Wire.HELLO).putShort((short) 1).put((byte) 1);
      b.put(Wire.REQUEST).put((byte) 1).put(Wire.WANT).putInt(3).putInt(2);
    });
    Heard second = listen(peer, 500, false);
    assertThat(second.token).as("answered with an ACCEPT").isNotNull();
    assertThat(second.ofChunk(3)).isZero();
  }

  @Test
  void aCopySentAheadFromAnotherPortGetsAtMostTheInitialWindowAndTheReceiverStillGetsItsChunk()
      throws Exception {
    RawPeer peer = receiverOf(true, 4);
    DatagramChannel copy = later(DatagramChannel.open());
    copy.bind(LOOPBACK);
    copy.configureBlocking(false);

    // The copy arrives first: the early answer goes to it (sealed under a key it lacks).
    peer.sendCopyFirst(copy, b -> helloWanting(b, 0));
    Heard heard = listen(peer, 500, false);
    assertThat(heard.token).as("the receiver's own HELLO is answered").isNotNull();
    assertThat(heard.fragments).as("no early data to the receiver: it went to the copy").isEmpty();
    int toCopy = 0;
    ByteBuffer buf = ByteBuffer.allocate(2048);
    while (copy.receive(buf.clear()) != null) {
      toCopy++;
    }
    assertThat(toCopy).as("datagrams to the copy: an ACCEPT and at most the initial window")
        .isBetween(2, 1 + DefaultCongestionController.INITIAL_WINDOW_DATAGRAMS);

    // The receiver pins its own address; what went to the copy is lost and sent again here.
    byte[] token = heard.token;
    peer.send(b -> b.put(Wire.ECHO).put(token));
    Heard after = listen(peer, 3000, true);
    assertThat(after.ofChunk(0)).as("fragments of chunk 0 at the receiver").isEqualTo(FRAGMENTS);
  }

  @Test
  void aReceiverAsksForItsFirstWantsInTheHelloAndGetsThemWithoutRequestingAgain()
      throws Exception {
    UdpDataTransport source = later(new UdpDataTransport(TransportOptions.defaults()));
    UdpDataTransport receiver = later(new UdpDataTransport(TransportOptions.defaults()));
    DataServer server = later(source.serve(LOOPBACK, chunks(4, true)).get(5, TimeUnit.SECONDS));
    DataSessionId id = id(5);
    DataOffer offer = server.prepare(id, receiver.prepare(id));
    Set<Integer> offsets = java.util.concurrent.ConcurrentHashMap.newKeySet();
    io.loudp2p.spi.DataSession session = receiver.open(offer.endpoint(), id, new byte[] {1},
        offer.publicKey(), new int[] {1}, new io.loudp2p.spi.DataSession.Listener() {
          @Override
          public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
            if (chunkIndex == 1 && data.get(0) == 1) {
              offsets.add(offset);
            }
          }

          @Override
          public void onUnavailable(int chunkIndex) {}

          @Override
          public void onClosed(io.loudp2p.spi.DataSession.CloseReason reason) {}
        }).get(5, TimeUnit.SECONDS);
    later(session::close);
    io.loudp2p.core.testing.Await.until(() -> offsets.size() == FRAGMENTS,
        java.time.Duration.ofSeconds(5), "chunk 1 arrived, never requested after the open");
  }
}
