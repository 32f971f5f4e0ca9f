package io.loudp2p.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
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

  /** Receives until {@code quietMs} pass without a datagram. */
  private static List<Integer> drain(DatagramChannel c, int quietMs) throws Exception {
    List<Integer> got = new ArrayList<>();
    c.configureBlocking(false);
    ByteBuffer buf = ByteBuffer.allocate(2048);
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < quietMs * 1_000_000L) {
      buf.clear();
      if (c.receive(buf) != null) {
        got.add(buf.flip().getInt());
        quietSince = System.nanoTime();
      } else {
        Thread.onSpinWait();
      }
    }
    return got;
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
      for (int i = 0; i < n; i++) {
        client.send(ByteBuffer.allocate(64).putInt(0, i), relay.address());
        if (i % 100 == 99) {
          // Stay well inside the socket buffers: let the relay take in what was sent so far.
          long sent = i + 1;
          Await.until(() -> relay.dropped.get() + relay.forwarded.get() - relay.duplicated.get() >= sent,
              java.time.Duration.ofSeconds(5), "the relay handled " + sent + " datagrams");
        }
      }
      List<Integer> got = drain(upstream, 300);
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
      for (int i = 0; i < n; i++) {
        client.send(ByteBuffer.allocate(1000).putInt(0, i), relay.address());
      }
      List<Integer> got = drain(upstream, 200);
      double seconds = (System.nanoTime() - start) / 1e9 - 0.2;
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
      List<Integer> got = drain(upstream, 300);
      assertThat(relay.queueDrops.get()).isPositive();
      assertThat(got.size()).isLessThan(100).isGreaterThanOrEqualTo(10);
    }
  }
}
