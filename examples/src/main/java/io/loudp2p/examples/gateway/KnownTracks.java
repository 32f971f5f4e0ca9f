package io.loudp2p.examples.gateway;

import io.loudp2p.Peer;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a gateway knows about tracks it may be asked for: the tracks searches found (or that were
 * added by hand), and the media types told from first bytes for tracks no search or catalog
 * described. Each holds a bounded number, the least recently used going first; the peer's own
 * catalog is asked for what neither holds.
 *
 * <p>Thread-safe: one lock guards both maps.
 */
final class KnownTracks {
  private static final int MAX_REMEMBERED_TRACKS = 10_000;

  private final Peer peer;
  private final Object lock = new Object();
  private final Map<TrackId, Track> tracks = lastUsed();
  private final Map<TrackId, String> sniffed = lastUsed();

  KnownTracks(Peer peer) {
    this.peer = peer;
  }

  private static <V> Map<TrackId, V> lastUsed() {
    return new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<TrackId, V> eldest) {
        return size() > MAX_REMEMBERED_TRACKS;
      }
    };
  }

  /** Remembers a track, so its media type and length answer requests for it. */
  void remember(Track t) {
    synchronized (lock) {
      tracks.put(t.id(), t);
    }
  }

  /** Remembers the media type told from a track's first bytes. */
  void rememberSniffed(TrackId id, String mediaType) {
    synchronized (lock) {
      sniffed.put(id, mediaType);
    }
  }

  /** The track as a search or the peer's catalog described it; empty when neither did. */
  Optional<Track> find(TrackId id) {
    synchronized (lock) {
      Track t = tracks.get(id);
      if (t != null) {
        return Optional.of(t);
      }
    }
    return peer.catalog().track(id);
  }

  /** The media type from a search, the catalog or earlier sniffing; null when none is known. */
  @Nullable String mediaType(TrackId id, Optional<Track> track) {
    if (track.isPresent() && !track.get().info().mediaType().isBlank()) {
      return track.get().info().mediaType();
    }
    synchronized (lock) {
      return sniffed.get(id);
    }
  }
}
