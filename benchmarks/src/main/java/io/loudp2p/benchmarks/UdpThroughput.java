package io.loudp2p.benchmarks;

import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.UdpDataTransportProvider;
import io.loudp2p.transport.udp.internal.Wire;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One UDP data session's loopback throughput beside, in the same run, a raw unreliable blast of
 * datagrams of the same size through a {@link DatagramChannel} (bytes that arrived) and a plain TCP
 * socket transfer, each counted as chunk bytes delivered per second.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.UdpThroughput [seconds]}.
 */
public final class UdpThroughput {
  /** Chunk bytes in a full DATA frame: 1,130. */
  static final int FRAGMENT = Wire.MAX_FRAGMENT;

  /** The datagram of a full DATA packet: header, frame header and 1,130 bytes, tag: 1,182 bytes. */
  static final int DATAGRAM = Wire.HEADER_LENGTH + Wire.DATA_OVERHEAD + FRAGMENT + Wire.TAG_LENGTH;

  private UdpThroughput() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    session(1); // warm-up
    double udp = session(seconds);
    double raw = rawUdp(seconds);
    double tcp = tcp(seconds);
    System.out.printf("%-28s %12s %8s%n", "path", "MB/s", "ratio");
    System.out.printf("%-28s %12.1f %8.2f%n", "raw UDP blast (delivered)", raw / 1e6, 1.0);
    System.out.printf("%-28s %12.1f %8.2f%n", "TCP socket", tcp / 1e6, tcp / raw);
    System.out.printf("%-28s %12.1f %8.2f%n", "UDP data session", udp / 1e6, udp / raw);
    System.out.printf("UDP session / TCP: %.2f%n", udp / tcp);
  }

  /** Chunk bytes per second over one session. */
  static double session(double seconds) throws Exception {
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (DataTransport source = new UdpDataTransportProvider().create(TransportOptions.defaults());
        DataTransport receiver =
            new UdpDataTransportProvider().create(TransportOptions.defaults())) {
      DataServer server = source.serve(loopback, new UdpStreams.EndlessTrack())
          .get(5, TimeUnit.SECONDS);
      UdpStreams.Counter counter = new UdpStreams.Counter(64);
      DataSession session = UdpStreams.open(receiver, server, UdpStreams.id(1), counter)
          .get(5, TimeUnit.SECONDS);
      counter.top();
      Thread.sleep(300);
      long b0 = counter.bytes;
      long t0 = System.nanoTime();
      Thread.sleep((long) (seconds * 1000));
      double rate = (counter.bytes - b0) * 1e9 / (System.nanoTime() - t0);
      session.close();
      return rate;
    }
  }

  /** Payload bytes per second (1,130 per datagram) that arrive from a sender blasting datagrams. */
  static double rawUdp(double seconds) throws Exception {
    try (DatagramChannel rx = DatagramChannel.open(); DatagramChannel tx = DatagramChannel.open()) {
      rx.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
      rx.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      tx.connect(rx.getLocalAddress());
      AtomicLong received = new AtomicLong();
      stopRaw = false;
      Thread reader = new Thread(() -> {
        ByteBuffer buf = ByteBuffer.allocateDirect(2048);
        try {
          while (!stopRaw) {
            buf.clear();
            rx.receive(buf);
            received.incrementAndGet();
          }
        } catch (Exception e) {
          // closed
        }
      });
      reader.start();
      ByteBuffer out = ByteBuffer.allocateDirect(DATAGRAM);
      long end = System.nanoTime() + (long) (0.3e9);
      while (System.nanoTime() < end) {
        tx.write(out.clear());
      }
      long n0 = received.get();
      long t0 = System.nanoTime();
      end = t0 + (long) (seconds * 1e9);
      while (System.nanoTime() < end) {
        tx.write(out.clear());
      }
      double rate = (received.get() - n0) * (double) FRAGMENT * 1e9 / (System.nanoTime() - t0);
      stopRaw = true;
      rx.close();
      reader.join(1000);
      return rate;
    }
  }

  private static volatile boolean stopRaw;

  /** Bytes per second through one loopback TCP connection. */
  static double tcp(double seconds) throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      AtomicLong received = new AtomicLong();
      Thread reader = new Thread(() -> {
        try (Socket s = listener.accept(); InputStream in = s.getInputStream()) {
          byte[] buf = new byte[64 * 1024];
          int n;
          while ((n = in.read(buf)) > 0) {
            received.addAndGet(n);
          }
        } catch (Exception e) {
          // closed
        }
      });
      reader.start();
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
          OutputStream out = s.getOutputStream()) {
        byte[] buf = new byte[UdpStreams.CHUNK];
        long end = System.nanoTime() + (long) 0.3e9;
        while (System.nanoTime() < end) {
          out.write(buf);
        }
        long b0 = received.get();
        long t0 = System.nanoTime();
        end = t0 + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
          out.write(buf);
        }
        double rate = (received.get() - b0) * 1e9 / (System.nanoTime() - t0);
        return rate;
      } finally {
        reader.join(1000);
      }
    }
  }
}
