package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.PeerInfo;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code search --peer}: everything one peer shares, as a list of hits from that peer. */
final class PeerListing {
  private PeerListing() {}

  /**
   * The peer {@code given} names: a peer ID, or (empty) the first bootstrap peer, by the ID it was
   * given with or the one that answered at its address.
   *
   * @throws UserError when {@code given} is not a peer ID, or no peer answered at the bootstrap
   *     address
   */
  static PeerId whom(Peer p, String given, PeerOptions options) {
    if (!given.isEmpty()) {
      try {
        return PeerId.parse(given.contains("@") ? given.substring(0, given.indexOf('@')) : given);
      } catch (IllegalArgumentException e) {
        throw new UserError(UserError.USAGE, "'" + given + "' is not a peer ID: " + e.getMessage(),
            e);
      }
    }
    PeerOptions.BootstrapPeer first = options.bootstrap.get(0);
    if (first.id() != null) {
      return first.id();
    }
    for (PeerInfo known : p.peers()) {
      if (known.reachable() && known.addresses().contains(first.address())) {
        return known.id();
      }
    }
    throw new UserError(UserError.FAILURE, "no peer answered at " + first.format()
        + "; name the peer to list with --peer PEERID");
  }

  /** The peers asked for the start of a track ID alone, at most. */
  static final int MAX_ASKED = 8;

  /**
   * The one track whose ID starts with {@code prefix} among those the reachable full peers this
   * peer knows share (at most {@link #MAX_ASKED} of them, asked at once).
   *
   * @throws UserError when none or several do
   */
  static TrackRef.Resolved startingWith(Peer p, String prefix, Duration timeout)
      throws InterruptedException {
    List<CompletableFuture<List<Track>>> asked = new ArrayList<>();
    for (PeerInfo known : p.peers()) {
      // Light peers share nothing.
      if (known.reachable() && known.role() == Role.FULL && asked.size() < MAX_ASKED) {
        asked.add(p.tracksOf(known.id()).exceptionally(t -> List.of()));
      }
    }
    Map<TrackId, Track> found = new LinkedHashMap<>();
    long until = System.nanoTime() + timeout.toNanos();
    for (CompletableFuture<List<Track>> f : asked) {
      List<Track> tracks;
      try {
        tracks = f.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        continue; // that peer did not answer in time: the others may
      }
      for (Track t : tracks) {
        if (t.id().toString().startsWith(prefix)) {
          found.putIfAbsent(t.id(), t);
        }
      }
    }
    if (found.size() == 1) {
      Track t = found.values().iterator().next();
      return new TrackRef.Resolved(t.id(), t);
    }
    throw new UserError(UserError.FAILURE, found.isEmpty()
        ? "no track shared by the " + Text.count(asked.size(), "peer") + " asked starts with '"
            + prefix + "'; give search words with it, or the whole ID"
        : "'" + prefix + "' starts the IDs of " + found.size() + " tracks; give more of the ID");
  }

  /** What {@code from} shares, within {@code timeout}. */
  static List<Track> tracksOf(Peer p, PeerId from, Duration timeout) throws InterruptedException {
    return Await.result(p.tracksOf(from), timeout, "the listing of " + from, UserError.FAILURE);
  }

  /**
   * The tracks whose title, artist or album hold every word of {@code query} (all of them when
   * it is blank), as hits from {@code from}, in the order of {@link SearchResults#ORDER}.
   */
  static List<SearchHit> matching(List<Track> tracks, PeerId from, String query) {
    List<String> words = new ArrayList<>();
    for (String w : query.toLowerCase(Locale.ROOT).split("\\s+")) {
      if (!w.isEmpty()) {
        words.add(w);
      }
    }
    List<SearchHit> hits = new ArrayList<>();
    for (Track t : tracks) {
      TrackInfo i = t.info();
      String text = (i.title() + " " + i.artist() + " " + i.album()).toLowerCase(Locale.ROOT);
      if (words.stream().allMatch(text::contains)) {
        hits.add(new SearchHit(t, List.of(from), 0f));
      }
    }
    return SearchResults.sorted(hits);
  }
}
