package io.loudp2p.benchmarks;

import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.RotatingCredentials;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportServer;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * What TLS 1.3 bound to peer IDs (PROTOCOL.md section 9) costs a control connection, beside the
 * plaintext of a test peer in the same run: the time from a call on a new connection to its
 * answer (TCP, TLS with both certificates checked, HTTP/2, one small call), directly on loopback
 * and through a relay that holds every byte for a fixed one-way delay, where the difference
 * divided by the round trip is the number of round trips TLS adds; and new connections with one
 * call each per second, from four callers at once.
 *
 * <p>What to expect of the round trips: TLS 1.3 itself costs one, and the client sends its first
 * request with its Finished; but grpc-java's client starts no call on a connection before the
 * server's HTTP/2 SETTINGS arrive, and a TLS server sends them only once it has the client's
 * Finished: about one more. Plaintext waits for those SETTINGS too, but they come at once.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.TlsHandshake [calls]
 * [delayMs]}: {@code calls} new connections measured each way (default 300), and the relay's
 * one-way delay (default 20 ms).
 */
public final class TlsHandshake {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private TlsHandshake() {}

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int delayMs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Identity serverId = Identity.generate();
    try (GrpcControlTransport tlsServer = new GrpcControlTransport(tls(serverId));
        GrpcControlTransport plainServer = new GrpcControlTransport(TransportOptions.defaults());
        GrpcControlTransport tlsClient = new GrpcControlTransport(tls(Identity.generate()));
        GrpcControlTransport plainClient =
            new GrpcControlTransport(TransportOptions.defaults())) {
      InetSocketAddress tlsAt = echo(tlsServer);
      InetSocketAddress plainAt = echo(plainServer);
      Side tls = new Side("TLS 1.3", tlsClient, tlsAt, serverId.peerId());
      Side plain = new Side("plaintext", plainClient, plainAt, null);
      for (Side s : List.of(plain, tls)) {
        s.firstCalls(calls / 3); // warm-up: JIT, TLS context, certificates made
      }

      System.out.printf("new connection, one call, on loopback (%d each, interleaved)%n", calls);
      long[][] direct = interleaved(plain, tls, calls);
      report(direct);

      try (DelayRelay toTls = new DelayRelay(tlsAt, delayMs);
          DelayRelay toPlain = new DelayRelay(plainAt, delayMs)) {
        int delayed = Math.max(10, calls / 10);
        System.out.printf("%nthe same through a relay adding %d ms each way (RTT +%d ms, %d each)%n",
            delayMs, 2 * delayMs, delayed);
        long[][] far = interleaved(plain.via(toPlain.address()), tls.via(toTls.address()),
            delayed);
        double added = report(far);
        System.out.printf("TLS adds %.2f round trips%n", added / (2 * delayMs * 1e6));
      }

      System.out.printf("%nnew connections with one call each, 4 callers, 3 s%n");
      double plainRate = rate(plain, 4, Duration.ofSeconds(3));
      double tlsRate = rate(tls, 4, Duration.ofSeconds(3));
      System.out.printf("%-10s %10.0f /s%n%-10s %10.0f /s   ratio %.2f%n", "plaintext", plainRate,
          "TLS 1.3", tlsRate, tlsRate / plainRate);
    }
  }

  private static TransportOptions tls(Identity id) {
    return TransportOptions.builder().credentials(new RotatingCredentials(id)).build();
  }

  private static InetSocketAddress echo(GrpcControlTransport t) throws Exception {
    TransportServer s = t.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        (request, remote, method, responder) -> responder.reply(request)).get(5, TimeUnit.SECONDS);
    return s.address();
  }

  /** Runs the two sides' calls alternately, so that both see the same machine: nanoseconds each. */
  private static long[][] interleaved(Side a, Side b, int calls)
      throws Exception {
    long[] ta = new long[calls];
    long[] tb = new long[calls];
    for (int i = 0; i < calls; i++) {
      ta[i] = a.firstCall();
      tb[i] = b.firstCall();
    }
    return new long[][] {ta, tb};
  }

  /** Prints both sides' percentiles; returns the added median in nanoseconds. */
  private static double report(long[][] times) {
    long[] plain = times[0].clone();
    long[] tls = times[1].clone();
    Arrays.sort(plain);
    Arrays.sort(tls);
    System.out.printf("%-10s %9s %9s %9s%n", "", "p50 ms", "p90 ms", "p99 ms");
    System.out.printf("%-10s %9.2f %9.2f %9.2f%n", "plaintext", ms(plain, 50),
        ms(plain, 90), ms(plain, 99));
    System.out.printf("%-10s %9.2f %9.2f %9.2f%n", "TLS 1.3", ms(tls, 50), ms(tls, 90),
        ms(tls, 99));
    double added = at(tls, 50) - at(plain, 50);
    System.out.printf("added by TLS (p50): %.2f ms%n", added / 1e6);
    return added;
  }

  private static long at(long[] sorted, int percentile) {
    return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)];
  }

  private static double ms(long[] sorted, int percentile) {
    return at(sorted, percentile) / 1e6;
  }

  /** New connections with one call each per second, from {@code callers} threads. */
  private static double rate(Side side, int callers, Duration time) throws Exception {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + time.toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      // Each caller a client of its own: a new connection per call, none shared.
      Side own = side.ownClient();
      Thread t = new Thread(() -> {
        try (own) {
          while (System.nanoTime() < end) {
            own.firstCall();
            done.incrementAndGet();
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    return done.get() / (time.toNanos() / 1e9);
  }

  /** One way of calling: a client transport, where it dials and whom it expects there. */
  private record Side(String name, GrpcControlTransport client, InetSocketAddress at,
      @Nullable PeerId expected) implements AutoCloseable {
    Side via(InetSocketAddress relay) {
      return new Side(name, client, relay, expected);
    }

    Side ownClient() {
      return new Side(name, new GrpcControlTransport(expected == null
          ? TransportOptions.defaults() : tls(Identity.generate())), at, expected);
    }

    /** A call on a connection of its own: the time from the call to its answer, in ns. */
    long firstCall() throws Exception {
      client.disconnect(at);
      long start = System.nanoTime();
      byte[] answer = client.call(at, expected, ControlMethod.EXCHANGE_PEERS, new byte[] {7},
          DEADLINE).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
      long took = System.nanoTime() - start;
      if (answer.length != 1) {
        throw new IllegalStateException("echo answered " + answer.length + " bytes");
      }
      return took;
    }

    void firstCalls(int n) throws Exception {
      for (int i = 0; i < n; i++) {
        firstCall();
      }
    }

    @Override
    public void close() {
      client.close();
    }
  }

  /**
   * A TCP relay to {@code target} that holds every byte it passes, both ways, for {@code delayMs}
   * before sending it on: a long path on loopback.
   */
  private static final class DelayRelay implements AutoCloseable {
    private final ServerSocket listening;
    private final ScheduledExecutorService timer = new ScheduledThreadPoolExecutor(1);
    private final List<Socket> sockets = new ArrayList<>();
    private final InetSocketAddress target;
    private final int delayMs;

    DelayRelay(InetSocketAddress target, int delayMs) throws IOException {
      this.target = target;
      this.delayMs = delayMs;
      this.listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      daemon(this::accept);
    }

    InetSocketAddress address() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), listening.getLocalPort());
    }

    private void accept() {
      try {
        while (true) {
          Socket in = listening.accept();
          Socket out = new Socket(target.getAddress(), target.getPort());
          in.setTcpNoDelay(true);
          out.setTcpNoDelay(true);
          synchronized (sockets) {
            sockets.add(in);
            sockets.add(out);
          }
          pump(in, out);
          pump(out, in);
        }
      } catch (IOException e) {
        // closed
      }
    }

    /** Copies {@code from} to {@code to}, each read sent {@code delayMs} after it came, in order. */
    private void pump(Socket from, Socket to) {
      daemon(() -> {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = from.getInputStream()) {
          OutputStream out = to.getOutputStream();
          int n;
          while ((n = in.read(buf)) >= 0) {
            byte[] copy = Arrays.copyOf(buf, n);
            timer.schedule(() -> {
              try {
                out.write(copy);
              } catch (IOException e) {
                close(from, to);
              }
            }, delayMs, TimeUnit.MILLISECONDS);
          }
          timer.schedule(() -> close(from, to), delayMs, TimeUnit.MILLISECONDS);
        } catch (IOException e) {
          close(from, to);
        }
      });
    }

    private static void daemon(Runnable r) {
      Thread t = new Thread(r, "delay-relay");
      t.setDaemon(true);
      t.start();
    }

    private static void close(Socket a, Socket b) {
      try {
        a.close();
        b.close();
      } catch (IOException e) {
        // closing anyway
      }
    }

    @Override
    public void close() throws IOException {
      listening.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
      timer.shutdownNow();
    }
  }
}
