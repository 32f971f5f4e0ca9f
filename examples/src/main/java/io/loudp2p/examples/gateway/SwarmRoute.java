package io.loudp2p.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Answers {@code GET /tracks/{id}/swarm}: the swarm of the track's stream session as JSON
 * ({@link SwarmSnapshot}), for the page's live view of who sends what. The session shown is the
 * one the {@link SessionPool} says shows the track best ({@link SessionPool#watch}); when none is
 * open any more, the last state of the last one closed is answered with {@code "open":false}, so
 * a view does not go blank when a player has read the whole track, or pauses for a while. A track
 * with neither gets 404.
 *
 * <p>Thread-safe.
 */
final class SwarmRoute {
  private final SessionPool sessions;
  private final LastStates last;
  private final KnownTracks known;
  private final Responses responses;

  /** Shows the sessions of {@code sessions}, and the states {@code last} kept of closed ones. */
  SwarmRoute(SessionPool sessions, LastStates last, KnownTracks known, Responses responses) {
    this.sessions = sessions;
    this.last = last;
    this.known = known;
    this.responses = responses;
  }

  /** Answers a request for the swarm of the track named by {@code rawId}. */
  void handle(HttpExchange ex, String rawId) throws IOException {
    TrackId id = TrackRoute.parseId(rawId);
    if (id == null) {
      responses.sendError(ex, 400, "not a track ID");
      return;
    }
    boolean open = true;
    SwarmSnapshot snapshot = live(id);
    if (snapshot == null) {
      open = false;
      snapshot = last.get(id);
    }
    if (snapshot == null) {
      responses.sendError(ex, 404, "no stream session for this track: play it first");
      return;
    }
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    responses.send(ex, 200, "application/json",
        snapshot.json(open, known.find(id)).getBytes(StandardCharsets.US_ASCII));
  }

  /** A snapshot of the session open for the track, or null when none is. */
  private @Nullable SwarmSnapshot live(TrackId id) {
    StreamSession session = sessions.watch(id);
    if (session == null) {
      return null;
    }
    try {
      return SwarmSnapshot.of(session);
    } catch (RuntimeException e) {
      return null; // closed meanwhile: its last state was kept
    }
  }

  /**
   * The last state of each track's last closed session, for a bounded number of tracks, the
   * least recently closed going first. Its {@link #keep} is the pool's retiring callback.
   * Thread-safe.
   */
  static final class LastStates {
    /** Tracks whose last state is kept after their sessions closed. */
    private static final int MAX_TRACKS = 32;

    private final Map<TrackId, SwarmSnapshot> states = new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<TrackId, SwarmSnapshot> eldest) {
        return size() > MAX_TRACKS;
      }
    };

    /** Keeps the state of a session about to close. */
    void keep(StreamSession session) {
      SwarmSnapshot snapshot = SwarmSnapshot.of(session);
      synchronized (states) {
        states.put(session.trackId(), snapshot);
      }
    }

    /** The last state kept for the track, or null. */
    @Nullable SwarmSnapshot get(TrackId id) {
      synchronized (states) {
        return states.get(id);
      }
    }
  }
}
