package io.loudp2p.examples.gateway;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Answers {@code GET /}: the player page, self-contained HTML, CSS and script read once from the
 * {@code player.html} resource beside this class. Each answer carries a fresh nonce, and a
 * {@code Content-Security-Policy} that lets only the page's own script and style run and lets them
 * reach only the gateway.
 *
 * <p>Also answers {@code GET /favicon.ico} with the page's icon, the {@code favicon.svg} resource
 * (an SVG, whatever the name says), so a browser or a tool that asks there finds one. The page
 * carries the same icon inline as a {@code data:} URL, so a browser showing it asks for nothing.
 *
 * <p>Thread-safe.
 */
final class PlayerPage {
  private static final String PAGE_RESOURCE = "player.html";
  private static final String ICON_RESOURCE = "favicon.svg";

  private final Responses responses;
  private final String template;
  private final byte[] icon;
  private final SecureRandom nonces = new SecureRandom();

  private PlayerPage(Responses responses, String template, byte[] icon) {
    this.responses = responses;
    this.template = template;
    this.icon = icon;
  }

  /**
   * Reads the page and its icon.
   *
   * @throws IOException when a resource is missing or cannot be read
   */
  static PlayerPage load(Responses responses) throws IOException {
    byte[] icon = resource(ICON_RESOURCE);
    String iconUrl = "data:image/svg+xml,"
        + URLEncoder.encode(new String(icon, StandardCharsets.UTF_8).strip(), StandardCharsets.UTF_8)
            .replace("+", "%20");
    String template = new String(resource(PAGE_RESOURCE), StandardCharsets.UTF_8)
        .replace("{{icon}}", iconUrl);
    return new PlayerPage(responses, template, icon);
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = PlayerPage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return in.readAllBytes();
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

  /** Answers {@code /favicon.ico} with the icon, an SVG that may run nothing. */
  void sendIcon(HttpExchange ex) throws IOException {
    Headers h = ex.getResponseHeaders();
    h.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    h.set("Cache-Control", "public, max-age=86400");
    responses.send(ex, 200, "image/svg+xml", icon);
  }
}
