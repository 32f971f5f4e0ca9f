package io.loudp2p.transport.grpc.internal;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The files of a page served beside gRPC-Web, so that the page and its calls share one origin:
 * {@code GET /} answers {@code index.html}, {@code GET /NAME} the file {@code NAME} of the folder.
 * Only plain names of at most {@link #MAX_NAME} characters are served (no folders, nothing that
 * starts with a dot); files of more than {@link #MAX_FILE_BYTES} are not. Every answer says
 * {@code Cache-Control: no-cache}, so that a page that changed is loaded anew. Each write of an
 * answer is bounded as the gRPC-Web server's own are ({@link StalledWrites}). Stateless.
 */
final class WebPage {
  /** Longest file name served. */
  static final int MAX_NAME = 64;
  /** Largest file served. */
  static final long MAX_FILE_BYTES = 8L << 20;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "json", "application/json",
      "webmanifest", "application/manifest+json",
      "png", "image/png",
      "ico", "image/x-icon",
      "txt", "text/plain; charset=utf-8");

  private final Path folder;

  WebPage(Path folder) {
    this.folder = folder;
  }

  /** Answers a GET or HEAD, its writes bounded by {@code writes}. */
  void serve(HttpExchange x, StalledWrites writes) throws IOException {
    InetSocketAddress remote = x.getRemoteAddress();
    try {
      String path = x.getRequestURI().getPath();
      String name = path.equals("/") ? "index.html" : path.substring(1);
      byte[] bytes = null;
      if (NAME.matcher(name).matches()) {
        Path file = folder.resolve(name);
        try {
          if (Files.isRegularFile(file) && Files.size(file) <= MAX_FILE_BYTES) {
            bytes = Files.readAllBytes(file);
          }
        } catch (NoSuchFileException e) {
          bytes = null;
        }
      }
      boolean head = x.getRequestMethod().equals("HEAD");
      x.getResponseHeaders().set("Cache-Control", "no-cache");
      x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      if (bytes == null) {
        byte[] text = ("no file " + path + "\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        writes.run(remote, () -> x.sendResponseHeaders(404, head ? -1 : text.length));
        if (!head) {
          writes.bounded(x.getResponseBody(), remote).write(text);
        }
        return;
      }
      x.getResponseHeaders().set("Content-Type", type(name));
      if (head) {
        x.getResponseHeaders().set("Content-Length", Long.toString(bytes.length));
        writes.run(remote, () -> x.sendResponseHeaders(200, -1));
        return;
      }
      byte[] file = bytes;
      writes.run(remote, () -> x.sendResponseHeaders(200, file.length == 0 ? -1 : file.length));
      try (OutputStream out = writes.bounded(x.getResponseBody(), remote)) {
        out.write(bytes);
      }
    } finally {
      writes.run(remote, x::close);
    }
  }

  /** The content type of a file by its extension; bytes for an unknown one. */
  static String type(String name) {
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    return TYPES.getOrDefault(ext, "application/octet-stream");
  }
}
