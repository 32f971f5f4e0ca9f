package io.loudp2p.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a gateway's small responses, a whole body at once or a JSON error, and tells the
 * {@link Gateway.Listener} of every response that starts, whichever route sent it.
 *
 * <p>Thread-safe: it keeps no state of its own; the listener is called on the request's thread.
 */
final class Responses {
  private final Gateway.Listener listener;

  Responses(Gateway.Listener listener) {
    this.listener = listener;
  }

  /** Answers with {@code {"error": message}}, never cached. */
  void sendError(HttpExchange ex, int status, String message) throws IOException {
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    send(ex, status, "application/json", Json.error(message).getBytes(StandardCharsets.US_ASCII));
  }

  /** Sends a whole small body (or, for HEAD, only its headers). */
  void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
    started(ex, status);
  }

  /** Tells the listener that the response to {@code ex} started with {@code status}. */
  void started(HttpExchange ex, int status) {
    listener.onResponse(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
        ex.getRequestHeaders().getFirst("Range"), status);
  }
}
