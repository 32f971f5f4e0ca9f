package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A data session opened before its stream session exists holds what arrives, within its bound,
 * and hands it over in order to the one listener that opens it; abandoned, it closes the session.
 */
class PreOpenedTransportTest {
  private static final InetSocketAddress SOURCE =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 4000);
  private static final DataSessionId ID = DataSessionId.fromBytes(new byte[16]);

  /** A transport whose one open is completed by the test, which plays its events. */
  private static final class Scripted implements DataTransport {
    DataSession.Listener listener;
    int[] firstWants;
    final CompletableFuture<DataSession> opened = new CompletableFuture<>();
    boolean closed;

    @Override
    public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
        byte[] handshake, DataSession.Listener listener) {
      throw new AssertionError("opened without keys");
    }

    @Override
    public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
        byte[] handshake, byte[] sourceKey, int[] firstWants, DataSession.Listener listener) {
      this.listener = listener;
      this.firstWants = firstWants;
      return opened;
    }

    @Override
    public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
      throw new AssertionError("a receiver's scripted transport is only opened, never serves");
    }

    @Override
    public void close() {}

    DataSession session() {
      return new DataSession() {
        @Override
        public DataSessionId id() {
          return ID;
        }

        @Override
        public InetSocketAddress remote() {
          return SOURCE;
        }

        @Override
        public void request(int chunkIndex) {}

        @Override
        public void cancel(int chunkIndex) {}

        @Override
        public void close() {
          closed = true;
        }
      };
    }
  }

  /** Records what it hears as text. */
  private static final class Heard implements DataSession.Listener {
    final List<String> events = new ArrayList<>();

    @Override
    public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
      events.add("fragment " + chunkIndex + "@" + offset + " " + data.remaining() + " first "
          + data.get(data.position()));
    }

    @Override
    public void onUnavailable(int chunkIndex) {
      events.add("unavailable " + chunkIndex);
    }

    @Override
    public void onClosed(DataSession.CloseReason reason) {
      events.add("closed " + reason);
    }
  }

  private static ByteBuffer bytes(int length, int first) {
    ByteBuffer b = ByteBuffer.allocate(length);
    b.put(0, (byte) first);
    return b;
  }

  @Test
  void whatArrivesBeforeTheStreamSessionOpensItIsHandedOverInOrderThenPassedStraightOn() {
    Scripted transport = new Scripted();
    PreOpenedTransport pre = PreOpenedTransport.open(transport, SOURCE, ID, new byte[] {1},
        new byte[] {2}, new int[] {0}, 1_234L);
    assertThat(transport.firstWants).containsExactly(0);
    assertThat(pre.firstWants()).containsExactly(0);
    assertThat(pre.openedAtNs()).isEqualTo(1_234L);
    transport.opened.complete(transport.session());
    ByteBuffer first = bytes(1130, 7);
    transport.listener.onFragment(0, 0, first);
    first.put(0, (byte) 99); // the transport reuses its buffer: what was held is a copy
    transport.listener.onUnavailable(5);

    Heard heard = new Heard();
    CompletableFuture<DataSession> session = pre.open(SOURCE, ID, new byte[] {1}, new byte[] {2},
        new int[] {0}, heard);
    assertThat(session).isCompleted();
    transport.listener.onFragment(0, 1130, bytes(564, 8));
    transport.listener.onClosed(DataSession.CloseReason.SOURCE_CLOSED);

    assertThat(heard.events).containsExactly("fragment 0@0 1130 first 7", "unavailable 5",
        "fragment 0@1130 564 first 8", "closed SOURCE_CLOSED");
    assertThat(pre.dropped()).isZero();
  }

  @Test
  void beyondItsBoundEventsAreDroppedButTheEndOfTheSessionIsKept() {
    Scripted transport = new Scripted();
    PreOpenedTransport pre = PreOpenedTransport.open(transport, SOURCE, ID, new byte[0],
        new byte[0], new int[0], 0L);
    for (int i = 0; i < PreOpenedTransport.MAX_HELD + 10; i++) {
      transport.listener.onFragment(0, i, bytes(1, i));
    }
    transport.listener.onClosed(DataSession.CloseReason.CONNECTION_LOST);
    Heard heard = new Heard();
    pre.open(SOURCE, ID, new byte[0], heard);
    assertThat(heard.events).hasSize(PreOpenedTransport.MAX_HELD + 1)
        .endsWith("closed CONNECTION_LOST");
    assertThat(pre.dropped()).isEqualTo(10);
  }

  @Test
  void itOpensForOneSessionOnceAndAnAbandonedOneIsClosedWhenItOpens() {
    Scripted transport = new Scripted();
    PreOpenedTransport pre = PreOpenedTransport.open(transport, SOURCE, ID, new byte[0],
        new byte[0], new int[0], 0L);
    DataSessionId other = DataSessionId.fromBytes(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0});
    assertThat(pre.open(SOURCE, other, new byte[0], new Heard())).isCompletedExceptionally();

    pre.abandon();
    assertThat(transport.closed).isFalse();
    transport.opened.complete(transport.session());
    assertThat(transport.closed).as("closed once it opened").isTrue();
    assertThat(pre.open(SOURCE, ID, new byte[0], new Heard())).isCompletedExceptionally();

    Scripted taken = new Scripted();
    PreOpenedTransport used = PreOpenedTransport.open(taken, SOURCE, ID, new byte[0], new byte[0],
        new int[0], 0L);
    taken.opened.complete(taken.session());
    assertThat(used.open(SOURCE, ID, new byte[0], new Heard())).isCompleted();
    used.abandon();
    assertThat(taken.closed).as("a session a stream session took is its to close").isFalse();
    assertThat(used.open(SOURCE, ID, new byte[0], new Heard())).isCompletedExceptionally();
  }
}
