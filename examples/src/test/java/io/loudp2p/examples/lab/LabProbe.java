package io.loudp2p.examples.lab;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures a lab path from its ends, to check that the lab's links are what their profiles claim.
 *
 * <ul>
 *   <li>{@code serve PORT}: answers TCP and UDP on {@code PORT}: echoes UDP datagrams; on TCP,
 *       echoes single bytes, sends the number of bytes asked for, or takes the number announced and
 *       answers how long they took to arrive.
 *   <li>{@code measure HOST PORT TCP_PINGS DOWN_BYTES UP_BYTES UDP_PINGS}: prints {@code
 *       rtt-tcp-ms}, {@code down-kbit} and {@code up-kbit} (each rate from the first byte to the
 *       last, so without the round trip), and {@code rtt-udp-ms} with the datagrams lost (none
 *       answered within five TCP round trips), one per line.
 * </ul>
 */
public final class LabProbe {
  private LabProbe() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("serve")) {
      serve(Integer.parseInt(args[1]));
    } else {
      measure(InetAddress.getByName(args[1]), Integer.parseInt(args[2]),
          Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
          Integer.parseInt(args[6]));
    }
  }

  private static void serve(int port) throws IOException {
    DatagramSocket udp = new DatagramSocket(port);
    Thread echo = new Thread(() -> {
      byte[] buf = new byte[2048];
      while (true) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          udp.receive(p);
          udp.send(p);
        } catch (IOException e) {
          return;
        }
      }
    });
    echo.start();
    try (ServerSocket server = new ServerSocket(port)) {
      System.out.println("serving " + port);
      while (true) {
        Socket s = server.accept();
        new Thread(() -> answer(s)).start();
      }
    }
  }

  /** 'p': echo one byte; 's' n: send n bytes; 'r' n: read n bytes, answer the nanoseconds they took. */
  private static void answer(Socket s) {
    try (s) {
      s.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      while (true) {
        int op = in.read();
        if (op < 0) {
          return;
        } else if (op == 'p') {
          out.write('p');
          out.flush();
        } else if (op == 's') {
          byte[] block = new byte[16_384];
          for (long left = in.readLong(); left > 0; left -= block.length) {
            out.write(block, 0, (int) Math.min(block.length, left));
          }
          out.flush();
        } else if (op == 'r') {
          long n = in.readLong();
          byte[] block = new byte[16_384];
          long first = 0;
          for (long got = 0; got < n; ) {
            int k = in.read(block, 0, (int) Math.min(block.length, n - got));
            if (k < 0) {
              return;
            }
            if (got == 0) {
              first = System.nanoTime();
            }
            got += k;
          }
          out.writeLong(System.nanoTime() - first);
          out.flush();
        }
      }
    } catch (IOException e) {
      // The client left.
    }
  }

  private static void measure(InetAddress host, int port, int pings, int down, int up,
      int udpPings) throws IOException {
    double tcpRtt;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 10_000);
      s.setTcpNoDelay(true);
      s.setSoTimeout(60_000);
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      double[] rtt = new double[pings];
      for (int i = 0; i < pings; i++) {
        long t = System.nanoTime();
        out.write('p');
        out.flush();
        in.readByte();
        rtt[i] = (System.nanoTime() - t) / 1e6;
      }
      tcpRtt = median(rtt);
      System.out.printf(Locale.ROOT, "rtt-tcp-ms %.1f%n", tcpRtt);

      out.write('s');
      out.writeLong(down);
      out.flush();
      byte[] block = new byte[16_384];
      long first = 0;
      for (long got = 0; got < down; ) {
        int k = in.read(block, 0, (int) Math.min(block.length, down - got));
        if (got == 0) {
          first = System.nanoTime();
        }
        got += k;
      }
      System.out.printf(Locale.ROOT, "down-kbit %.0f%n", down * 8 / ((System.nanoTime() - first) / 1e6));

      out.write('r');
      out.writeLong(up);
      for (long left = up; left > 0; left -= block.length) {
        out.write(block, 0, (int) Math.min(block.length, left));
      }
      out.flush();
      long took = in.readLong();
      System.out.printf(Locale.ROOT, "up-kbit %.0f%n", up * 8 / (took / 1e6));
    }
    try (DatagramSocket udp = new DatagramSocket()) {
      udp.setSoTimeout((int) Math.max(100, 5 * tcpRtt));
      double[] rtt = new double[udpPings];
      int answered = 0;
      byte[] buf = new byte[200];
      for (int i = 0; i < rtt.length; i++) {
        long t = System.nanoTime();
        buf[0] = (byte) i;
        udp.send(new DatagramPacket(buf, 100, host, port));
        try {
          DatagramPacket p = new DatagramPacket(new byte[200], 200);
          do {
            udp.receive(p);
          } while (p.getData()[0] != (byte) i); // a late answer to an earlier one
          rtt[answered++] = (System.nanoTime() - t) / 1e6;
        } catch (SocketTimeoutException e) {
          // Lost one way or the other.
        }
      }
      System.out.printf(Locale.ROOT, "rtt-udp-ms %.1f lost %d/%d%n",
          median(Arrays.copyOf(rtt, Math.max(1, answered))), rtt.length - answered, rtt.length);
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
