package io.loudp2p.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's one HTTP handler: sets the headers every response carries, refuses what no route
 * serves (a path too long, a {@code Host} that is not loopback when bound to loopback, a method
 * other than {@code GET} or {@code HEAD}, an unknown path), and hands the rest to the
 * {@link PlayerPage} (the page and its icon), the {@link SearchRoute}, the {@link TrackRoute} or,
 * for {@code /tracks/{id}/swarm}, the {@link SwarmRoute}.
 * Paths are matched on their raw form, before any decoding. A request that fails unexpectedly
 * gets 500 if its headers are not sent yet; every exchange is closed at the end.
 *
 * <p>Thread-safe; runs on the server's request pool.
 */
final class Router implements HttpHandler {
  // One logger for the whole gateway, named after its public class.
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private static final int MAX_PATH_LENGTH = 2048;
  private static final String ALLOW = "GET, HEAD";
  private static final String TRACKS = "/tracks/";
  private static final String FAVICON = "/favicon.ico";
  private static final String SWARM = "/swarm";

  private final boolean loopbackOnly;
  private final Responses responses;
  private final PlayerPage page;
  private final SearchRoute search;
  private final TrackRoute tracks;
  private final SwarmRoute swarm;

  /** A router that, when {@code loopbackOnly}, answers only requests addressed to loopback. */
  Router(boolean loopbackOnly, Responses responses, PlayerPage page, SearchRoute search,
      TrackRoute tracks, SwarmRoute swarm) {
    this.loopbackOnly = loopbackOnly;
    this.responses = responses;
    this.page = page;
    this.search = search;
    this.tracks = tracks;
    this.swarm = swarm;
  }

  @Override
  public void handle(HttpExchange ex) {
    try {
      ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
      String path = ex.getRequestURI().getRawPath();
      if (path == null || path.length() > MAX_PATH_LENGTH) {
        responses.sendError(ex, 414, "request target too long");
      } else if (loopbackOnly && !hostIsLoopback(ex.getRequestHeaders().getFirst("Host"))) {
        responses.sendError(ex, 403, "this gateway answers only requests addressed to loopback");
      } else if (path.equals("/")) {
        if (allowed(ex)) {
          page.send(ex);
        }
      } else if (path.equals(FAVICON)) {
        if (allowed(ex)) {
          page.sendIcon(ex);
        }
      } else if (path.equals("/search")) {
        if (allowed(ex)) {
          search.handle(ex);
        }
      } else if (path.startsWith(TRACKS) && path.endsWith(SWARM)
          && path.length() >= TRACKS.length() + SWARM.length()) {
        if (allowed(ex)) {
          swarm.handle(ex, path.substring(TRACKS.length(), path.length() - SWARM.length()));
        }
      } else if (path.startsWith(TRACKS)) {
        if (allowed(ex)) {
          tracks.handle(ex, path.substring(TRACKS.length()));
        }
      } else {
        responses.sendError(ex, 404, "not found");
      }
    } catch (IOException | UncheckedIOException e) {
      log.debug("response to {} {} broke off: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
    } catch (RuntimeException e) {
      log.warn("request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
      try {
        responses.sendError(ex, 500, "internal error");
      } catch (IOException | RuntimeException ignored) {
        // Headers were already sent: the connection is closed below.
      }
    } finally {
      ex.close();
    }
  }

  private boolean allowed(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    if (method.equals("GET") || method.equals("HEAD")) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", ALLOW);
    responses.sendError(ex, 405, "method not allowed: use " + ALLOW);
    return false;
  }

  /** Whether a Host header names a loopback address or {@code localhost}, with any port. */
  static boolean hostIsLoopback(@Nullable String host) {
    if (host == null) {
      return false;
    }
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 && h.substring(1, end).equals("::1") && portOnly(h.substring(end + 1));
    }
    int colon = h.indexOf(':');
    String name = colon < 0 ? h : h.substring(0, colon);
    if (colon >= 0 && !portOnly(h.substring(colon))) {
      return false;
    }
    if (name.equals("localhost")) {
      return true;
    }
    String[] parts = name.split("\\.", -1);
    if (parts.length != 4 || !parts[0].equals("127")) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
          || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean portOnly(String s) {
    return s.isEmpty() || (s.length() >= 2 && s.length() <= 6 && s.charAt(0) == ':'
        && s.substring(1).chars().allMatch(Character::isDigit));
  }
}
