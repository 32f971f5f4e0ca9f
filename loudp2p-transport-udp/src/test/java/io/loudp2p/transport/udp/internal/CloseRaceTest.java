package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.TransportStubs;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Closing a loop or a transport while work is being handed to it leaves nothing hanging. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseRaceTest {
  private static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private static final ChunkProvider NOTHING = TransportStubs.NOTHING;

  private static final DataSession.Listener IGNORE = TransportStubs.IGNORE;

  @Test
  void aStoppedLoopRunsWhatItWasHandedAndRefusesTheRest() throws Exception {
    IoLoop loop = new IoLoop("test-loop");
    loop.start();
    AtomicBoolean before = new AtomicBoolean();
    AtomicBoolean after = new AtomicBoolean();
    DatagramChannel socket = DatagramChannel.open();
    socket.configureBlocking(false);
    socket.bind(LOOPBACK);
    CompletableFuture<Void> registered = new CompletableFuture<>();
    assertThat(loop.execute(() -> {
      try {
        socket.register(loop.selector(), SelectionKey.OP_READ, (IoLoop.Endpoint) now -> { });
        registered.complete(null);
      } catch (IOException e) {
        registered.completeExceptionally(e);
      }
    })).isTrue();
    registered.get(5, TimeUnit.SECONDS);
    assertThat(loop.execute(() -> before.set(true))).isTrue();
    loop.stop();

    assertThat(before).isTrue();
    assertThat(loop.terminated()).isTrue();
    assertThat(loop.execute(() -> after.set(true))).isFalse();
    assertThat(loop.executeLater(() -> after.set(true))).isFalse();
    assertThat(after).isFalse();
    assertThat(socket.isOpen()).as("a socket registered with the stopped loop").isFalse();
  }

  @Test
  void closingATransportWhileOpensAndServesAreInFlightCompletesEveryFutureAndLeaksNoSocket()
      throws Exception {
    Set<Long> before = udpSockets();
    for (int round = 0; round < 6; round++) {
      race(round);
    }
    Set<Long> after = udpSockets();
    after.removeAll(before);
    assertThat(after).as("UDP sockets left open").isEmpty();
  }

  private static void race(int round) throws Exception {
    UdpDataTransport source = new UdpDataTransport(TransportOptions.defaults());
    UdpDataTransport receiver = new UdpDataTransport(TransportOptions.defaults());
    try {
      DataServer server = source.serve(LOOPBACK, NOTHING).get(5, TimeUnit.SECONDS);
      List<CompletableFuture<?>> futures = new CopyOnWriteArrayList<>();
      AtomicInteger started = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      Thread[] threads = new Thread[4];
      for (int t = 0; t < threads.length; t++) {
        int thread = t;
        threads[t] = new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < 200; i++) {
            byte[] b = new byte[16];
            b[0] = (byte) round;
            b[1] = (byte) thread;
            b[2] = (byte) i;
            b[3] = (byte) (i >> 8);
            DataSessionId id = DataSessionId.fromBytes(b);
            try {
              if (i % 8 == 7) {
                futures.add(receiver.serve(LOOPBACK, NOTHING));
              } else {
                byte[] key = receiver.prepare(id);
                DataOffer offer = server.prepare(id, key);
                futures.add(receiver.open(offer.endpoint(), id, new byte[] {1}, offer.publicKey(),
                    IGNORE));
              }
            } catch (RuntimeException e) {
              return; // prepare refuses once the transport is closed
            }
            started.incrementAndGet();
          }
        }, "opener-" + t);
        threads[t].start();
      }
      go.countDown();
      int closeAfter = 20 + 25 * round;
      Await.until(() -> started.get() >= closeAfter || futures.size() >= 800,
          Duration.ofSeconds(10), "opens started");
      receiver.close();
      for (Thread t : threads) {
        t.join(10_000);
      }
      Await.until(() -> futures.stream().allMatch(CompletableFuture::isDone), Duration.ofSeconds(10),
          "every open and serve completed");
      for (CompletableFuture<?> f : futures) {
        if (!f.isCompletedExceptionally()) {
          Object done = f.join();
          if (done instanceof DataServer s) {
            s.close();
          }
        }
      }
    } finally {
      receiver.close();
      source.close();
    }
  }

  /** The inodes of this process's UDP sockets, on Linux. */
  private static Set<Long> udpSockets() throws IOException {
    Path udp = Path.of("/proc/net/udp");
    Path fds = Path.of("/proc/self/fd");
    assumeThat(Files.isReadable(udp) && Files.isDirectory(fds)).as("Linux /proc").isTrue();
    Set<Long> udpInodes = new HashSet<>();
    for (String file : new String[] {"/proc/net/udp", "/proc/net/udp6"}) {
      Path p = Path.of(file);
      if (!Files.isReadable(p)) {
        continue;
      }
      List<String> lines = Files.readAllLines(p);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        udpInodes.add(Long.parseLong(f[9]));
      }
    }
    Set<Long> mine = new HashSet<>();
    try (var stream = Files.list(fds)) {
      for (Path fd : (Iterable<Path>) stream::iterator) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            long inode = Long.parseLong(target.substring(8, target.length() - 1));
            if (udpInodes.contains(inode)) {
              mine.add(inode);
            }
          }
        } catch (IOException e) {
          // closed while listing
        }
      }
    }
    return mine;
  }
}
