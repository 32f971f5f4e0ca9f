package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.peer.SourceOpener.Opened;
import io.loudp2p.core.stream.internal.RealStreamSession;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the sources of running stream sessions that a relay carries to a direct path once a punch
 * can work (PROTOCOL.md section 8, "Hole punching", step 7). A session opened before this peer
 * knew its UDP mapping (a listener that presses play within a second or two of starting, before
 * the observers answered) asked for no punch, and its relayed sources send every chunk through the
 * relay. When the mapping is observed and lets a punch work, each such source is asked for a new
 * session through the relay, with a punch; the new one joins the stream session, which lets the
 * relayed one go once the direct one opened. A punch that fails leaves the relayed session as it
 * was. It looks at each session when the mapping is observed, and once {@link #SETTLE} after the
 * session started. At most {@link #MAX_TRIES} times per source per stream session.
 *
 * <p>Keeps the sessions it watches until they end; thread-safe.
 */
final class DirectUpgrade {
  private static final Logger log = LoggerFactory.getLogger(Loggers.STREAM);

  /** Punches a stream session asks of one relayed source at most. */
  static final int MAX_TRIES = 2;

  private final PeerContext ctx;
  private final PeerStore store;
  private final SourceOpener opener;
  private final HolePunching punching;
  /** The running sessions, their manifests and the punches each asked of each peer. */
  private final Map<RealStreamSession, Watched> live = new ConcurrentHashMap<>();

  private record Watched(Manifest manifest, Map<PeerId, Integer> tries) {}

  DirectUpgrade(PeerContext ctx, PeerStore store, SourceOpener opener, HolePunching punching) {
    this.ctx = ctx;
    this.store = store;
    this.opener = opener;
    this.punching = punching;
  }

  /**
   * Watches {@code session}, which plays {@code manifest}'s track, until it ends; and looks at it
   * once its sources had {@link #SETTLE} to open: the mapping may have been observed between the
   * session's stream initiations and now.
   */
  void watch(RealStreamSession session, Manifest manifest) {
    Watched w = new Watched(manifest, new ConcurrentHashMap<>());
    live.put(session, w);
    session.completion().whenComplete((r, t) -> live.remove(session));
    ctx.schedule(() -> check(session, w), SETTLE.toMillis());
  }

  /** How long after it started a session is looked at, whatever the mapping does. */
  static final Duration SETTLE = Duration.ofSeconds(1);

  /**
   * This peer's UDP mapping was observed: where it lets a punch work now, asks every relayed
   * source of the running sessions for a session with a punch.
   */
  void mappingObserved() {
    for (Map.Entry<RealStreamSession, Watched> e : live.entrySet()) {
      check(e.getKey(), e.getValue());
    }
  }

  /** Asks each relayed source of {@code session} for a punch, where one can work now. */
  private void check(RealStreamSession session, Watched w) {
    if (punching.ask() == null || session.completion().isDone()) {
      return;
    }
    for (PeerId peer : relayedOnly(session.sources())) {
      if (w.tries().merge(peer, 1, Integer::sum) <= MAX_TRIES) {
        store.table().get(peer).ifPresent(entry -> punch(session, w.manifest(), entry));
      }
    }
  }

  /** The peers whose chunks come through a relay only: active relayed, none active otherwise. */
  static Set<PeerId> relayedOnly(List<SourceStats> sources) {
    Set<PeerId> relayed = new HashSet<>();
    Set<PeerId> direct = new HashSet<>();
    for (SourceStats s : sources) {
      if (s.active()) {
        (s.transport().endsWith(SourceOpener.RELAYED) ? relayed : direct).add(s.peer());
      }
    }
    relayed.removeAll(direct);
    return relayed;
  }

  /**
   * Asks {@code entry}'s peer for a session with a punch; it joins {@code session} when the source
   * took UDP, without a fallback (the relayed session is one already), and is given up otherwise.
   */
  private void punch(RealStreamSession session, Manifest manifest, PeerTable.Entry entry) {
    PeerId peer = entry.record().peerId();
    log.info("{}: asking {} for a direct path (its chunks come through a relay)",
        manifest.trackId(), peer);
    session.expectSources(1);
    SourceOpener.joinWhenOpen(session,
        opener.opens(manifest.trackId(), List.of(entry), false).each().get(0), o -> {
          String refused = refusal(o, manifest);
          if (refused != null) {
            log.info("{}: no direct path to {}: {}", manifest.trackId(), peer, refused);
          }
          return refused == null ? null : "no direct path to " + peer + ": " + refused;
        }, RealStreamSession.Source::withoutFallback);
  }

  /** Why {@code o} does not give a direct path for {@code manifest}; null when it does. */
  private static @Nullable String refusal(@Nullable Opened o, Manifest manifest) {
    if (o == null) {
      return "it did not accept a session";
    }
    if (!o.agreesWith(manifest.size())) {
      return "it states " + o.size() + " bytes for the track, not " + manifest.size();
    }
    if (o.source().transportName().endsWith(SourceOpener.RELAYED)) {
      return "it took the relayed chunk stream, not a punch";
    }
    return null;
  }
}
