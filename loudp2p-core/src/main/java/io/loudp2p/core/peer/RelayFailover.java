package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.stream.internal.RealStreamSession;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a stream session's sources behind relays when a relay goes (PROTOCOL.md section 10): when
 * the data session of a source that this peer reaches through a relay loses its path, the source
 * is reached through another relay its record lists ({@link RelayRoutes#failOver}) and asked for
 * a new session there, which joins the stream session as the old one did. A source reached
 * directly, or whose record lists no other relay, is left to the session's other sources as
 * before. At most {@link #MAX_PER_SESSION} times per stream session.
 *
 * <p>Stateless beyond each session's count; thread-safe.
 */
final class RelayFailover {
  private static final Logger log = LoggerFactory.getLogger(Loggers.STREAM);

  /** Sources a stream session opens anew through another relay, at most. */
  static final int MAX_PER_SESSION = 4;

  private final ControlClient client;
  private final PeerStore store;
  private final SourceOpener opener;

  RelayFailover(ControlClient client, PeerStore store, SourceOpener opener) {
    this.client = client;
    this.store = store;
    this.opener = opener;
  }

  /** What replaces the lost sources of {@code session}, which plays {@code manifest}'s track. */
  RealStreamSession.SourceReplacer forSession(RealStreamSession session, Manifest manifest) {
    AtomicInteger left = new AtomicInteger(MAX_PER_SESSION);
    return peer -> {
      RelayEndpoint via = client.routes().of(peer);
      Optional<PeerTable.Entry> entry = store.table().get(peer);
      if (via == null || entry.isEmpty() || left.get() <= 0) {
        return false;
      }
      RelayEndpoint next = client.routes().failOver(entry.get().record(), via);
      if (next == null) {
        return false;
      }
      left.decrementAndGet();
      log.info("{}: reaching {} through relay {} instead of {}", manifest.trackId(), peer,
          next.peer(), via.peer());
      reopen(session, manifest, peer, entry.get());
      return true;
    };
  }

  /** Asks {@code entry}'s peer for a new session, which joins {@code session} or is given up. */
  private void reopen(RealStreamSession session, Manifest manifest, PeerId peer,
      PeerTable.Entry entry) {
    SourceOpener.joinWhenOpen(session,
        opener.opens(manifest.trackId(), List.of(entry), false).each().get(0),
        o -> o != null && o.agreesWith(manifest.size()) ? null
            : peer + " did not accept a session through another relay",
        s -> s);
  }
}
