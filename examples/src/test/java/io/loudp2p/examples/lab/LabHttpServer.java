package io.loudp2p.examples.lab;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plain HTTP on a lab host, the baseline the peer-to-peer stream is measured against: serves one
 * file at {@code /file}, whole or by one {@code Range: bytes=N-} or {@code bytes=N-M}, as a web
 * server would (the JDK's server, HTTP/1.1).
 *
 * <p>{@code LabHttpServer HOST PORT FILE}
 */
public final class LabHttpServer {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

  private LabHttpServer() {}

  public static void main(String[] args) throws IOException {
    byte[] file = Files.readAllBytes(Path.of(args[2]));
    HttpServer server = HttpServer.create(
        new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])), 16);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/file", exchange -> serve(exchange, file));
    server.start();
    System.out.println("serving " + file.length + " bytes");
  }

  private static void serve(HttpExchange exchange, byte[] file) throws IOException {
    try (exchange) {
      int from = 0;
      int to = file.length - 1;
      String range = exchange.getRequestHeaders().getFirst("Range");
      int status = 200;
      if (range != null) {
        Matcher m = RANGE.matcher(range);
        if (m.matches()) {
          from = Integer.parseInt(m.group(1));
          if (!m.group(2).isEmpty()) {
            to = Math.min(to, Integer.parseInt(m.group(2)));
          }
          status = 206;
          exchange.getResponseHeaders().set("Content-Range",
              "bytes " + from + "-" + to + "/" + file.length);
        }
      }
      exchange.getResponseHeaders().set("Content-Type", "audio/wav");
      exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
      exchange.sendResponseHeaders(status, to - from + 1);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(file, from, to - from + 1);
      }
    }
  }
}
