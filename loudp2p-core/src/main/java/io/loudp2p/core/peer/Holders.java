package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.TrackId;
import io.loudp2p.core.internal.LruMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who holds the tracks that searches found, for streaming them later: at most {@link
 * #MAX_TRACKS} tracks (the least recent forgotten first) and {@link #MAX_PER_TRACK} holders each
 * (the newest kept). Thread-safe.
 */
final class Holders {
  static final int MAX_TRACKS = 4096;
  static final int MAX_PER_TRACK = 32;

  /** Guarded by itself. */
  private final Map<TrackId, Set<PeerId>> holders = new LruMap<>(MAX_TRACKS);

  /** Remembers holders of a track, the newest kept. */
  void add(TrackId track, List<PeerId> found) {
    synchronized (holders) {
      Set<PeerId> known = holders.computeIfAbsent(track, t -> new LinkedHashSet<>());
      for (PeerId p : found) {
        known.remove(p);
        known.add(p);
      }
      Iterator<PeerId> oldest = known.iterator();
      while (known.size() > MAX_PER_TRACK) {
        oldest.next();
        oldest.remove();
      }
    }
  }

  List<PeerId> of(TrackId track) {
    synchronized (holders) {
      Set<PeerId> known = holders.get(track);
      return known == null ? List.of() : new ArrayList<>(known);
    }
  }
}
