package io.loudp2p.benchmarks;

import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.UdpDataTransportProvider;
import io.loudp2p.transport.udp.UdpTransportOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * How many concurrent 320 kbit/s (40,000 B/s) sessions one UDP source serves before any misses
 * its rate. Each receiver requests chunks only as playback needs them, two seconds ahead; playback
 * starts one second after the session opens; a session misses when the bytes it holds in order
 * fall behind its playback position.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.ConcurrentStreams
 * [seconds] [counts...]} (default 8 s at 250, 500, 1000, 1500, 2000 sessions), after an uncounted
 * warm-up of 200 sessions.
 */
public final class ConcurrentStreams {
  static final int RATE = 40_000;

  private ConcurrentStreams() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 8;
    List<Integer> counts = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      counts.add(Integer.parseInt(args[i]));
    }
    if (counts.isEmpty()) {
      counts = List.of(250, 500, 1000, 1500, 2000);
    }
    // A warm-up that is not counted, so that the first measured count does not pay for the JIT.
    run(200, 3);
    int best = 0;
    for (int n : counts) {
      int missed = run(n, seconds);
      System.out.printf("%5d sessions: %d missed their rate%n", n, missed);
      if (missed > 0) {
        break;
      }
      best = n;
    }
    System.out.printf("served without a miss: %d sessions of %d B/s%n", best, RATE);
  }

  /** Runs {@code n} sessions for {@code seconds}; returns how many missed their rate. */
  static int run(int n, double seconds) throws Exception {
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    UdpTransportOptions udp = UdpTransportOptions.builder().socketBufferBytes(262144).build();
    TransportOptions options = TransportOptions.builder().settings(udp).build();
    TransportOptions receiverOptions = TransportOptions.builder()
        .settings(udp.toBuilder().ioThreads(1).build()).build();
    try (DataTransport source = new UdpDataTransportProvider().create(options);
        DataTransport receiver = new UdpDataTransportProvider().create(receiverOptions)) {
      DataServer server = source.serve(loopback, new UdpStreams.EndlessTrack())
          .get(5, TimeUnit.SECONDS);
      List<Player> players = new ArrayList<>();
      List<CompletableFuture<DataSession>> opens = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Player p = new Player();
        players.add(p);
        opens.add(UdpStreams.open(receiver, server, UdpStreams.id(i), p));
      }
      for (CompletableFuture<DataSession> f : opens) {
        f.get(30, TimeUnit.SECONDS);
      }
      long start = System.nanoTime();
      for (Player p : players) {
        p.startNs = start;
        p.top();
      }
      long end = start + (long) (seconds * 1e9);
      int missed = 0;
      boolean[] miss = new boolean[n];
      while (System.nanoTime() < end) {
        Thread.sleep(100);
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
          Player p = players.get(i);
          p.top();
          double playing = (now - start) / 1e9 - 1.0;
          if (playing > 0 && p.inOrderBytes < playing * RATE && !miss[i]) {
            miss[i] = true;
            missed++;
          }
        }
      }
      for (CompletableFuture<DataSession> f : opens) {
        f.join().close();
      }
      return missed;
    }
  }

  /** Requests chunks as playback at 40,000 B/s needs them, two seconds ahead. */
  static final class Player extends UdpStreams.Counter {
    volatile long startNs;

    Player() {
      super(16);
    }

    @Override
    int allowedChunks() {
      double ahead = (System.nanoTime() - startNs) / 1e9 + 2.0;
      return (int) Math.ceil(ahead * RATE / UdpStreams.CHUNK);
    }
  }
}
