package io.loudp2p.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class UdpImpairmentRelayTest {
  private static DatagramChannel bound() throws Exception {
    DatagramChannel c = DatagramChannel.open();
    // Room for every datagram a test sends before it drains them (the kernel counts ~1 KiB each).
    c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
    c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    c.socket().setSoTimeout(2000);
    return c;
  }

  /** When the last datagram {@link #drain} received arrived. */
  private static long lastArrivalNs;

  /** Receives until {@code quietMs} pass without a datagram. */
  private static List<Integer> drain(DatagramChannel c, int quietMs) throws Exception {
    return drain(c, Integer.MAX_VALUE, quietMs);
  }

  /**
   * Receives until {@code expected} datagrams came (waiting up to ten seconds for them, however
   * slow a loaded machine is) and then {@code quietMs} more pass without one, or, for an unknown
   * count, until {@code quietMs} pass without a datagram.
   */
  private static List<Integer> drain(DatagramChannel c, int expected, int quietMs) throws Exception {
    List<Integer> got = new ArrayList<>();
    c.configureBlocking(false);
    ByteBuffer buf = ByteBuffer.allocate(2048);
    long giveUp = System.nanoTime() + 10_000_000_000L;
    long quietSince = System.nanoTime();
    while (got.size() < expected && expected != Integer.MAX_VALUE && System.nanoTime() < giveUp
        || System.nanoTime() - quietSince < quietMs * 1_000_000L) {
      buf.clear();
      if (c.receive(buf) != null) {
        got.add(buf.flip().getInt());
        quietSince = System.nanoTime();
        lastArrivalNs = quietSince;
      } else {
        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
      }
    }
    return got;
  }

  /**
   * Sends {@code n} numbered 1,000-byte datagrams to the relay, 50 at a time, each 50 once the
   * relay has taken in the last: a burst of all of them can overflow the relay's socket buffer
   * where the kernel caps it low (Linux's default allows about 200 such datagrams).
   */
  private static void sendInTurns(DatagramChannel client, UdpImpairmentRelay relay, int n)
      throws Exception {
    for (int i = 0; i < n; i++) {
      client.send(ByteBuffer.allocate(1000).putInt(0, i), relay.address());
      if (i % 50 == 49 || i == n - 1) {
        long sent = i + 1;
        Await.until(() -> relay.received.get() >= sent, Duration.ofSeconds(5),
            "the relay took in " + sent + " datagrams");
      }
    }
  }

  /** Hands each datagram already waiting on {@code c} to {@code each}, flipped, without waiting. */
  private static void receiveWaiting(DatagramChannel c, java.util.function.Consumer<ByteBuffer> each)
      throws Exception {
    c.configureBlocking(false);
    ByteBuffer buf = ByteBuffer.allocate(2048);
    while (true) {
      buf.clear();
      if (c.receive(buf) == null) {
        return;
      }
      each.accept(buf.flip());
    }
  }

  @Test
  void forwardsBothWaysThroughOneUpstreamSocketPerClient() throws Exception {
    try (DatagramChannel upstream = bound(); DatagramChannel client = bound();
        UdpImpairmentRelay relay = UdpImpairmentRelay.builder()
            .start((InetSocketAddress) upstream.getLocalAddress())) {
      client.send(ByteBuffer.allocate(4).putInt(0, 7), relay.address());
      client.send(ByteBuffer.allocate(4).putInt(0, 8), relay.address());
      ByteBuffer buf = ByteBuffer.allocate(100);
      var from1 = upstream.receive(buf);
      buf.clear();
      var from2 = upstream.receive(buf);
      assertThat(from2).isEqualTo(from1);
      upstream.send(ByteBuffer.allocate(4).putInt(0, 9), from1);
      buf.clear();
      assertThat(client.receive(buf)).isEqualTo(relay.address());
      assertThat(buf.flip().getInt()).isEqualTo(9);
    }
  }

  @Test
  void dropsDuplicatesAndCorruptsAtTheConfiguredRates() throws Exception {
    try (DatagramChannel upstream = bound(); DatagramChannel client = bound();
        UdpImpairmentRelay relay = UdpImpairmentRelay.builder().seed(3).dropRate(0.2)
            .duplicateRate(0.1).corruptRate(0.1)
            .start((InetSocketAddress) upstream.getLocalAddress())) {
      int n = 2000;
      List<Integer> got = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        client.send(ByteBuffer.allocate(64).putInt(0, i), relay.address());
        if (i % 100 == 99) {
          // Stay well inside the socket buffers, whatever the kernel allows them: let the relay
          // take in what was sent so far, and take in what it forwarded.
          long sent = i + 1;
          Await.until(() -> relay.dropped.get() + relay.forwarded.get() - relay.duplicated.get() >= sent,
              java.time.Duration.ofSeconds(5), "the relay handled " + sent + " datagrams");
          receiveWaiting(upstream, b -> got.add(b.getInt()));
        }
      }
      long expected = n - relay.dropped.get() + relay.duplicated.get();
      got.addAll(drain(upstream, (int) (expected - got.size()), 300));
      assertThat(relay.dropped.get()).isBetween(300L, 500L);
      assertThat(relay.duplicated.get()).isBetween(100L, 230L);
      assertThat(relay.corrupted.get()).isBetween(120L, 260L);
      assertThat(got.size()).isEqualTo(n - relay.dropped.get() + relay.duplicated.get());
    }
  }

  @Test
  void reordersDelaysAndCapsBandwidth() throws Exception {
    try (DatagramChannel upstream = bound(); DatagramChannel client = bound();
        UdpImpairmentRelay relay = UdpImpairmentRelay.builder().seed(4).reorder(0.2, 5)
            .delay(2000, 500).bandwidth(200_000, 1 << 20)
            .start((InetSocketAddress) upstream.getLocalAddress())) {
      int n = 200;
      long start = System.nanoTime();
      sendInTurns(client, relay, n);
      List<Integer> got = drain(upstream, n, 200);
      double seconds = (lastArrivalNs - start) / 1e9;
      assertThat(got).hasSize(n);
      int inversions = 0;
      for (int i = 1; i < got.size(); i++) {
        if (got.get(i) < got.get(i - 1)) {
          inversions++;
        }
      }
      assertThat(inversions).isPositive();
      // 200 kB at 200 kB/s: about a second, not much faster.
      assertThat(seconds).isGreaterThan(0.9);
    }
  }

  @Test
  void dropsWhatOverflowsTheQueue() throws Exception {
    try (DatagramChannel upstream = bound(); DatagramChannel client = bound();
        UdpImpairmentRelay relay = UdpImpairmentRelay.builder().seed(5)
            .bandwidth(100_000, 10_000)
            .start((InetSocketAddress) upstream.getLocalAddress())) {
      for (int i = 0; i < 100; i++) {
        client.send(ByteBuffer.allocate(1000).putInt(0, i), relay.address());
      }
      List<Integer> got = drain(upstream, 1000);
      assertThat(relay.queueDrops.get()).isPositive();
      assertThat(got.size()).isLessThan(100).isGreaterThanOrEqualTo(10);
    }
  }

  @Test
  void goesOnAfterAnUpstreamIsUnreachable() throws Exception {
    InetSocketAddress gone;
    try (DatagramChannel closed = bound()) {
      gone = (InetSocketAddress) closed.getLocalAddress();
    }
    try (DatagramChannel upstream = bound(); DatagramChannel client = bound();
        UdpImpairmentRelay relay = UdpImpairmentRelay.builder().start(gone)) {
      // The upstream socket is connected to a closed port: the kernel answers with ICMP port
      // unreachable, and the next read on that socket fails.
      for (int i = 0; i < 5; i++) {
        client.send(ByteBuffer.allocate(4).putInt(0, i), relay.address());
      }
      Await.until(() -> relay.errors.get() > 0, Duration.ofSeconds(5), "the relay saw the error");
      InetSocketAddress live = relay.front((InetSocketAddress) upstream.getLocalAddress());
      client.send(ByteBuffer.allocate(4).putInt(0, 42), live);
      ByteBuffer buf = ByteBuffer.allocate(16);
      assertThat(upstream.receive(buf)).isNotNull();
      assertThat(buf.flip().getInt()).isEqualTo(42);
    }
  }

  @Test
  void corruptsEachCopyOfADuplicateOnItsOwnAndCountsIt() throws Exception {
    try (DatagramChannel upstream = bound(); DatagramChannel client = bound();
        UdpImpairmentRelay relay = UdpImpairmentRelay.builder().seed(6).duplicateRate(1)
            .corruptRate(0.5).start((InetSocketAddress) upstream.getLocalAddress())) {
      int n = 400;
      int[] received = {0};
      int[] damaged = {0};
      java.util.function.Consumer<ByteBuffer> check = b -> {
        received[0]++;
        while (b.hasRemaining()) {
          if (b.get() != 0) {
            damaged[0]++;
            break;
          }
        }
      };
      for (int i = 0; i < n; i++) {
        client.send(ByteBuffer.allocate(64), relay.address()); // all zeros: a flip shows
        if (i % 50 == 49) {
          long sent = 2L * (i + 1);
          Await.until(() -> relay.forwarded.get() >= sent, Duration.ofSeconds(5),
              "the relay forwarded " + sent + " datagrams");
          receiveWaiting(upstream, check);
        }
      }
      long giveUp = System.nanoTime() + 5_000_000_000L;
      while (received[0] < 2 * n && System.nanoTime() < giveUp) {
        receiveWaiting(upstream, check);
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      receiveWaiting(upstream, check); // and nothing more than the copies
      assertThat(received[0]).isEqualTo(2 * n);
      assertThat(damaged[0]).isEqualTo(relay.corrupted.get()).isBetween(300, 500);
    }
  }

  @Test
  void freesQueueRoomWhenADatagramIsSerializedNotWhenItArrives() throws Exception {
    // 10 kB of queue at 100 kB/s, 500 ms away: ten datagrams leave the queue within 100 ms and
    // then spend 400 ms more on the way. A second ten sent while the first are on the way fit.
    try (DatagramChannel upstream = bound(); DatagramChannel client = bound();
        UdpImpairmentRelay relay = UdpImpairmentRelay.builder().seed(7).delay(500_000, 0)
            .bandwidth(100_000, 10_000).start((InetSocketAddress) upstream.getLocalAddress())) {
      for (int i = 0; i < 10; i++) {
        client.send(ByteBuffer.allocate(1000).putInt(0, i), relay.address());
      }
      ByteBuffer buf = ByteBuffer.allocate(2048);
      assertThat(upstream.receive(buf)).isNotNull(); // the first has arrived, nine are on the way
      for (int i = 10; i < 20; i++) {
        client.send(ByteBuffer.allocate(1000).putInt(0, i), relay.address());
      }
      List<Integer> got = drain(upstream, 19, 300);
      assertThat(relay.queueDrops.get()).isZero();
      assertThat(got).hasSize(19);
    }
  }

  @Test
  void waitsForTheNextDatagramWithoutSpinning() throws Exception {
    // At 1 MB/s a kilobyte leaves every millisecond: the wait before each is about a millisecond
    // or less, which the relay must sleep through rather than poll.
    try (DatagramChannel upstream = bound(); DatagramChannel client = bound();
        UdpImpairmentRelay relay = UdpImpairmentRelay.builder().seed(8).delay(300, 600)
            .bandwidth(1_000_000, 1 << 20).start((InetSocketAddress) upstream.getLocalAddress())) {
      int n = 300;
      sendInTurns(client, relay, n);
      List<Integer> got = drain(upstream, n, 200);
      assertThat(got).hasSize(n);
      assertThat(relay.loopTurns.get()).as("turns of the relay's loop")
          .isLessThan(20L * n);
    }
  }

  @Test
  void drawsEachDirectionsDecisionsFromItsOwnSeededSource() throws Exception {
    Set<Integer> alone = arrivals(false);
    Set<Integer> interleaved = arrivals(true);
    assertThat(alone).isNotEmpty().hasSizeLessThan(200);
    assertThat(interleaved).isEqualTo(alone);
  }

  /** Which of 200 datagrams toward the upstream a 50% loss lets through, with or without replies. */
  private static Set<Integer> arrivals(boolean withReplies) throws Exception {
    try (DatagramChannel upstream = bound(); DatagramChannel client = bound();
        UdpImpairmentRelay relay = UdpImpairmentRelay.builder().seed(9).dropRate(0.5)
            .start((InetSocketAddress) upstream.getLocalAddress())) {
      // Until one arrives the upstream cannot answer: the same draws in both runs.
      ByteBuffer buf = ByteBuffer.allocate(64);
      java.net.SocketAddress clientSeenAt = null;
      long handled = 0;
      upstream.configureBlocking(false);
      while (clientSeenAt == null) {
        client.send(ByteBuffer.allocate(8).putInt(0, -1), relay.address());
        long h = ++handled;
        Await.until(() -> relay.dropped.get() + relay.forwarded.get() >= h,
            Duration.ofSeconds(5), "the relay handled the datagram");
        clientSeenAt = relay.forwarded.get() > 0 ? receiveBlocking(upstream, buf) : null;
      }
      Set<Integer> arrived = new TreeSet<>();
      for (int i = 0; i < 200; i++) {
        client.send(ByteBuffer.allocate(8).putInt(0, i), relay.address());
        long h = ++handled;
        Await.until(() -> relay.dropped.get() + relay.forwarded.get() >= h,
            Duration.ofSeconds(5), "the relay handled datagram " + i);
        if (withReplies) {
          upstream.send(ByteBuffer.allocate(8).putInt(0, 1000 + i), clientSeenAt);
          long r = ++handled;
          Await.until(() -> relay.dropped.get() + relay.forwarded.get() >= r,
              Duration.ofSeconds(5), "the relay handled reply " + i);
        }
      }
      for (int i = 0; i < 1000; i++) {
        buf.clear();
        if (upstream.receive(buf) == null) {
          break;
        }
        arrived.add(buf.flip().getInt());
      }
      return arrived;
    }
  }

  private static java.net.SocketAddress receiveBlocking(DatagramChannel c, ByteBuffer buf)
      throws Exception {
    java.net.SocketAddress[] from = new java.net.SocketAddress[1];
    Await.until(() -> {
      try {
        buf.clear();
        from[0] = c.receive(buf);
        return from[0] != null;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, Duration.ofSeconds(5), "a datagram arrived");
    return from[0];
  }
}
