package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.SearchHit;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The track {@code stream} and {@code play} were given: a whole track ID, or search words (the
 * best hit is taken), with perhaps the start of a track ID that {@code search} printed to choose
 * among their hits.
 *
 * <p>The rule: one argument that parses as a track ID is one; one of 40 to 48 letters and digits
 * is meant as one, and is an error when it is not a valid one. Anything else is search words; when
 * they find nothing and one of them looks like the start of a track ID (6 to 39 Base58
 * characters, a digit or a capital among them), the other words are searched and the hit whose ID
 * starts so is taken, or the command says that several do. The start of an ID alone is looked up
 * in what the peers this one reached share (their listings, {@code search --peer}).
 */
record TrackRef(@Nullable TrackId id, List<String> words) {
  private static final Pattern ID_LIKE = Pattern.compile("[A-Za-z0-9]{40,48}");
  /** Base58, with a digit or a capital letter somewhere (as all but a few IDs' starts have). */
  private static final Pattern PREFIX_LIKE =
      Pattern.compile("(?=.*[1-9A-HJ-NP-Z])[1-9A-HJ-NP-Za-km-z]{6,39}");
  /** How long a search for the track waits for answers. */
  static final Duration SEARCH = Duration.ofSeconds(3);
  /** How long the peers asked for what they share get to answer, for the start of an ID alone. */
  static final Duration LISTING = Duration.ofSeconds(10);

  /** A track ID, and the track when a search found it (null when named by its ID alone). */
  record Resolved(TrackId id, @Nullable Track track) {}

  /**
   * Reads the arguments.
   *
   * @throws UserError ({@link UserError#USAGE}) when one argument is meant as a track ID and is
   *     not a valid one
   */
  static TrackRef parse(List<String> args) {
    if (args.size() == 1) {
      try {
        return new TrackRef(TrackId.parse(args.get(0)), List.of());
      } catch (IllegalArgumentException e) {
        if (!ID_LIKE.matcher(args.get(0)).matches()) {
          return new TrackRef(null, List.copyOf(args)); // search words
        }
        String why = e.getMessage() == null ? "" : e.getMessage();
        why = why.substring(why.lastIndexOf(": ") + 1).strip();
        throw new UserError(UserError.USAGE, "'" + args.get(0) + "' is not a valid track ID ("
            + why + "); copy it whole from 'search --json', or give search words");
      }
    }
    return new TrackRef(null, List.copyOf(args));
  }

  /**
   * The track ID given, or the hit the words name; says on {@code err} which of several hits it
   * took.
   *
   * @throws UserError when nothing is found, or an ID's start names several hits
   */
  Resolved resolve(Peer p, PrintWriter err) throws InterruptedException {
    if (id != null) {
      return new Resolved(id, null);
    }
    String query = String.join(" ", words);
    List<SearchHit> hits = SearchCommand.search(p, query, SEARCH);
    if (!hits.isEmpty()) {
      return picked(hits, err);
    }
    for (int i = 0; i < words.size(); i++) {
      String prefix = words.get(i);
      if (!PREFIX_LIKE.matcher(prefix).matches()) {
        continue;
      }
      List<String> rest = new ArrayList<>(words);
      rest.remove(i);
      if (rest.isEmpty()) {
        return PeerListing.startingWith(p, prefix, LISTING);
      }
      String others = String.join(" ", rest);
      List<SearchHit> matching = new ArrayList<>();
      for (SearchHit h : SearchCommand.search(p, others, SEARCH)) {
        if (h.track().id().toString().startsWith(prefix)) {
          matching.add(h);
        }
      }
      if (matching.size() == 1) {
        return new Resolved(matching.get(0).track().id(), matching.get(0).track());
      }
      if (matching.size() > 1) {
        throw new UserError(UserError.FAILURE, "'" + prefix + "' starts the IDs of "
            + matching.size() + " hits for '" + others + "'; give more of the ID");
      }
    }
    throw new UserError(UserError.FAILURE, "no results for '" + query + "'");
  }

  /** The best hit; a line on {@code err} names it when there were others. */
  private static Resolved picked(List<SearchHit> hits, PrintWriter err) {
    SearchHit best = hits.get(0);
    if (hits.size() > 1) {
      String artist = best.track().info().artist();
      err.println("picked \"" + best.track().info().title() + "\""
          + (artist.isEmpty() ? "" : " by " + artist) + " (" + SearchResults.shortId(best) + ") of "
          + Text.count(hits.size(), "hit") + "; add the track ID 'search' prints to choose another");
      err.flush();
    }
    return new Resolved(best.track().id(), best.track());
  }
}
