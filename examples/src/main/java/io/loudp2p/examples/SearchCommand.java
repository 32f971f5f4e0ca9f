package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code loudp2p search TERMS...}: asks the network and prints a table (or JSON) of what it
 * holds, best first, and says when the list was cut.
 */
@Command(name = "search", mixinStandardHelpOptions = true, version = Main.VERSION,
    description = {"Search the network and print the tracks found, best first.",
        "Peers answer searches for words, each with its best " + SearchCommand.PER_ANSWER
            + " hits; --all shows every hit the answers gave. To see everything one peer"
            + " shares, list it with --peer."})
final class SearchCommand implements Callable<Integer> {
  /** The most hits one peer answers a search with (the protocol's limit). */
  static final int PER_ANSWER = 50;
  /** The most hits a search keeps. */
  static final int MAX_LIMIT = io.loudp2p.Catalog.MAX_RESULTS;

  @Parameters(arity = "0..*", paramLabel = "TERM",
      description = "Words of a title, artist or album (at least one).")
  @org.jspecify.annotations.Nullable List<String> terms;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3",
      description = "How long to wait for answers (default: ${DEFAULT-VALUE} s).")
  int timeoutSeconds;

  @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "50",
      description = "Show the best N hits (default: ${DEFAULT-VALUE}; at most " + MAX_LIMIT + ").")
  int limit;

  @Option(names = "--all", description = "Show every hit the answers gave (up to " + MAX_LIMIT + ").")
  boolean all;

  @Option(names = "--json", description = "Print one JSON document: the query, the total and the"
      + " results, each with its whole track ID, title, artist, album, trackNumber, durationMs,"
      + " codec, mediaType, size, score and sources.")
  boolean json;

  @Option(names = "--peer", paramLabel = "PEERID", arity = "0..1", fallbackValue = "",
      description = "List everything one peer shares instead of searching: the peer with that ID"
          + " (one the bootstrap peer knows), or the bootstrap peer when no ID is given. TERMs, if"
          + " any, keep the tracks whose title, artist or album hold every word.")
  @org.jspecify.annotations.Nullable String listed;

  @Mixin PeerOptions peer;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (listed == null && (terms == null || String.join("", terms).isBlank())) {
      throw new UserError(UserError.USAGE, "name words to search for, or list everything a peer"
          + " shares with --peer [PEERID]");
    }
    if (timeoutSeconds < 1) {
      throw new UserError(UserError.USAGE, "--timeout must be at least 1 second, not " + timeoutSeconds);
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new UserError(UserError.USAGE, "--limit must be from 1 to " + MAX_LIMIT + ", not " + limit);
    }
    peer.requireBootstrap();
    String query = terms == null ? "" : String.join(" ", terms).strip();
    try (Peer p = peer.start(Role.LIGHT, List.of())) {
      List<SearchHit> hits;
      String what = "'" + query + "'";
      if (listed != null) {
        PeerId from = PeerListing.whom(p, listed, peer);
        hits = PeerListing.matching(PeerListing.tracksOf(p, from,
            Duration.ofSeconds(Math.max(timeoutSeconds, 10))), from, query);
        what = query.isEmpty() ? "the tracks " + from + " shares" : what + " among the tracks "
            + from + " shares";
      } else {
        hits = search(p, query, Duration.ofSeconds(timeoutSeconds));
      }
      if (hits.isEmpty() && !json) {
        throw new UserError(UserError.FAILURE, "no results for " + what);
      }
      List<SearchHit> shown = hits.subList(0, Math.min(hits.size(), all ? MAX_LIMIT : limit));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        SearchResults.json(out, query, shown, hits.size());
      } else {
        SearchResults.table(out, shown, Text.terminalWidth(System.getenv()));
      }
      if (shown.size() < hits.size()) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(shown.size() + " of " + Text.count(hits.size(), "hit") + " shown; --limit "
            + Math.min(hits.size(), MAX_LIMIT) + " or --all shows more");
        err.flush();
      }
      if (hits.isEmpty()) { // the JSON said so too
        throw new UserError(UserError.FAILURE, "no results for " + what);
      }
      return 0;
    }
  }

  /**
   * The hits for {@code query} within {@code deadline}, sorted by {@link SearchResults#ORDER}.
   *
   * @throws UserError when the query cannot be asked (too long, too many words) or nobody answered
   */
  static List<SearchHit> search(Peer p, String query, Duration deadline) throws InterruptedException {
    java.util.concurrent.CompletableFuture<List<SearchHit>> asked;
    try {
      asked = p.search(query, deadline, h -> { });
    } catch (IllegalArgumentException e) {
      throw new UserError(UserError.USAGE, "cannot search for that: " + e.getMessage(), e);
    }
    return SearchResults.sorted(Await.result(asked, deadline.plusSeconds(5),
        "the search for '" + query + "'", UserError.FAILURE));
  }
}
