package io.loudp2p.examples.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shows what a NAT does to a lab host's packets, from their ends. Addresses are {@code ip:port}.
 *
 * <ul>
 *   <li>{@code serve PORT}: answers each UDP datagram on {@code PORT} with {@code IP:PORT}, where
 *       it came from; but {@code relay IP:PORT TEXT} it sends on, {@code TEXT} to {@code IP:PORT}
 *       from this socket (to make a server the inside asked send again). Answers each TCP
 *       connection on {@code PORT} with the same, in a line, and closes it. Prints {@code
 *       serving}.
 *   <li>{@code ask WAIT_MS SERVER...}: from one UDP socket, asks each server (again every 200 ms
 *       until it answers) and prints {@code bound PORT}, then {@code SERVER saw IP:PORT} for each;
 *       then prints {@code listening} and, for every other datagram the socket receives, {@code
 *       from IP:PORT TEXT}, until half a second after one that says {@code stop}. All within
 *       {@code WAIT_MS}; exits 1 if a server did not answer.
 *   <li>{@code send IP:PORT TEXT}: sends one datagram from a socket of its own and prints {@code
 *       sent}; then, within half a second, {@code answer TEXT}, {@code unreachable} (an ICMP
 *       error came back) or {@code silence}.
 *   <li>{@code connect IP:PORT TIMEOUT_MS}: connects by TCP; prints {@code connected} with the
 *       server's line, {@code timeout}, {@code refused} or {@code failed} with the error.
 * </ul>
 */
public final class LabEcho {
  private LabEcho() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "serve" -> serve(Integer.parseInt(args[1]));
      case "ask" -> System.exit(ask(Long.parseLong(args[1]),
          List.of(args).subList(2, args.length)));
      case "send" -> send(at(args[1]), args[2]);
      case "connect" -> connect(at(args[1]), Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException("no mode " + args[0]);
    }
  }

  private static InetSocketAddress at(String ipPort) {
    int colon = ipPort.lastIndexOf(':');
    return new InetSocketAddress(ipPort.substring(0, colon),
        Integer.parseInt(ipPort.substring(colon + 1)));
  }

  private static String text(SocketAddress a) {
    InetSocketAddress i = (InetSocketAddress) a;
    return i.getAddress().getHostAddress() + ":" + i.getPort();
  }

  private static void serve(int port) throws IOException {
    DatagramSocket udp = new DatagramSocket(port);
    Thread answering = new Thread(() -> {
      byte[] buf = new byte[2048];
      while (true) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          udp.receive(p);
          String got = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
          String[] relay = got.split(" ", 3);
          boolean relaying = relay.length == 3 && relay[0].equals("relay");
          byte[] out = (relaying ? relay[2] : text(p.getSocketAddress()))
              .getBytes(StandardCharsets.UTF_8);
          udp.send(new DatagramPacket(out, out.length,
              relaying ? at(relay[1]) : p.getSocketAddress()));
        } catch (IOException | RuntimeException e) {
          if (udp.isClosed()) {
            return;
          }
        }
      }
    });
    answering.start();
    try (ServerSocket tcp = new ServerSocket(port)) {
      System.out.println("serving " + port);
      while (true) {
        try (Socket s = tcp.accept(); OutputStream out = s.getOutputStream()) {
          out.write((text(s.getRemoteSocketAddress()) + "\n")
              .getBytes(StandardCharsets.UTF_8));
        }
      }
    }
  }

  private static int ask(long waitMs, List<String> servers) throws IOException {
    long until = System.nanoTime() + waitMs * 1_000_000;
    Map<String, String> saw = new LinkedHashMap<>();
    try (DatagramSocket s = new DatagramSocket()) {
      System.out.println("bound " + s.getLocalPort());
      byte[] ask = "ask".getBytes(StandardCharsets.UTF_8);
      DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
      long next = 0;
      for (long now = System.nanoTime(); now < until; now = System.nanoTime()) {
        boolean asking = saw.size() < servers.size();
        if (asking && now >= next) {
          for (String server : servers) {
            if (!saw.containsKey(server)) {
              s.send(new DatagramPacket(ask, ask.length, at(server)));
            }
          }
          next = now + 200_000_000;
        }
        s.setSoTimeout((int) Math.max(1, ((asking ? Math.min(next, until) : until) - now)
            / 1_000_000));
        try {
          s.receive(p);
        } catch (SocketTimeoutException e) {
          continue;
        }
        String from = text(p.getSocketAddress());
        String got = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        if (!asking || !servers.contains(from)) {
          System.out.println("from " + from + " " + got);
          if (got.equals("stop")) {
            until = Math.min(until, System.nanoTime() + 500_000_000L);
          }
        } else if (saw.putIfAbsent(from, got) == null && saw.size() == servers.size()) {
          for (String server : servers) {
            System.out.println(server + " saw " + saw.get(server));
          }
          System.out.println("listening");
        }
      }
    }
    for (String server : servers) {
      if (!saw.containsKey(server)) {
        System.out.println("no answer from " + server);
        return 1;
      }
    }
    return 0;
  }

  private static void send(InetSocketAddress to, String text) throws IOException {
    try (DatagramSocket s = new DatagramSocket()) {
      // Connected: an ICMP error that comes back fails the receive below.
      s.connect(to);
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      s.send(new DatagramPacket(bytes, bytes.length));
      System.out.println("sent");
      s.setSoTimeout(500);
      DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
      s.receive(p);
      System.out.println("answer " + new String(p.getData(), 0, p.getLength(),
          StandardCharsets.UTF_8));
    } catch (SocketTimeoutException e) {
      System.out.println("silence");
    } catch (PortUnreachableException e) {
      System.out.println("unreachable");
    }
  }

  private static void connect(InetSocketAddress to, int timeoutMs) {
    try (Socket s = new Socket()) {
      s.connect(to, timeoutMs);
      s.setSoTimeout(timeoutMs);
      System.out.println("connected " + new BufferedReader(new InputStreamReader(
          s.getInputStream(), StandardCharsets.UTF_8)).readLine());
    } catch (SocketTimeoutException e) {
      System.out.println("timeout");
    } catch (ConnectException e) {
      System.out.println("refused " + e.getMessage());
    } catch (IOException e) {
      System.out.println("failed " + e);
    }
  }
}
