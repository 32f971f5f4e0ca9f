package io.loudp2p.examples.gateway;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Answers {@code GET /}: the player page, self-contained HTML, CSS and script read once from the
 * {@code player.html} resource beside this class. Each answer carries a fresh nonce, and a
 * {@code Content-Security-Policy} that lets only the page's own script and style run and lets them
 * reach only the gateway.
 *
 * <p>Thread-safe.
 */
final class PlayerPage {
  private static final String PAGE_RESOURCE = "player.html";

  private final Responses responses;
  private final String template;
  private final SecureRandom nonces = new SecureRandom();

  private PlayerPage(Responses responses, String template) {
    this.responses = responses;
    this.template = template;
  }

  /**
   * Reads the page.
   *
   * @throws IOException when the resource is missing or cannot be read
   */
  static PlayerPage load(Responses responses) throws IOException {
    try (InputStream in = PlayerPage.class.getResourceAsStream(PAGE_RESOURCE)) {
      if (in == null) {
        throw new IOException("missing resource " + PAGE_RESOURCE);
      }
      return new PlayerPage(responses, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  void send(HttpExchange ex) throws IOException {
    byte[] nonceBytes = new byte[18];
    nonces.nextBytes(nonceBytes);
    String nonce = Base64.getEncoder().encodeToString(nonceBytes);
    Headers h = ex.getResponseHeaders();
    h.set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-" + nonce + "'; "
        + "style-src 'nonce-" + nonce + "'; connect-src 'self'; media-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    h.set("Cache-Control", "no-store");
    responses.send(ex, 200, "text/html; charset=utf-8",
        template.replace("{{nonce}}", nonce).getBytes(StandardCharsets.UTF_8));
  }
}
