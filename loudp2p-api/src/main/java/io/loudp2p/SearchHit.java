package io.loudp2p;

import java.util.List;
import java.util.Objects;

/**
 * A track found on the network and the peers known to hold it, merged across every peer that
 * answered.
 *
 * @param track the track, as the best-ranked answer described it
 * @param sources peers that hold it, first the one that answered first
 * @param score the best relevance any responder gave it (higher is better)
 */
public record SearchHit(Track track, List<PeerId> sources, float score) {
  /** Checks the parts and copies the list. */
  public SearchHit {
    Objects.requireNonNull(track, "track");
    sources = List.copyOf(sources);
  }
}
