package io.loudp2p;

import java.util.Objects;

/**
 * One answer to a catalog search: a track and how well it matched.
 *
 * <p>Higher scores are better matches; scores compare only within one search. Immutable and
 * thread-safe.
 *
 * @param track the matching track
 * @param score the match score, positive
 */
public record SearchResult(Track track, int score) {
  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException when {@code score} is not positive
   */
  public SearchResult {
    Objects.requireNonNull(track, "track");
    if (score < 1) {
      throw new IllegalArgumentException("a search result's score is positive, got " + score);
    }
  }
}
