package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.TrackInfo;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code loudp2p search TERMS...}: asks the network and prints a table of what it holds. */
@Command(name = "search", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Search the network and print the tracks found.")
final class SearchCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "TERM", description = "Words of a title, artist or album.")
  List<String> terms;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3",
      description = "How long to wait for answers (default: ${DEFAULT-VALUE} s).")
  int timeoutSeconds;

  @Mixin PeerOptions peer;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    peer.requireBootstrap();
    String query = String.join(" ", terms);
    try (Peer p = peer.start(Role.LIGHT, List.of())) {
      List<SearchHit> hits = Await.result(p.search(query, Duration.ofSeconds(timeoutSeconds), h -> { }),
          Duration.ofSeconds(timeoutSeconds + 5L), "the search for '" + query + "'", UserError.FAILURE);
      if (hits.isEmpty()) {
        throw new UserError(UserError.FAILURE, "no results for '" + query + "'");
      }
      print(spec.commandLine().getOut(), hits);
      return 0;
    }
  }

  /** The table of hits: title, artist, album, duration, sources, TrackId. */
  static void print(PrintWriter out, List<SearchHit> hits) {
    List<List<String>> rows = new ArrayList<>();
    for (SearchHit h : hits) {
      TrackInfo i = h.track().info();
      rows.add(List.of(i.title(), i.artist(), i.album(), Text.duration(i.duration()),
          String.valueOf(h.sources().size()), h.track().id().toString()));
    }
    Text.table(out, List.of("TITLE", "ARTIST", "ALBUM", "TIME", "SOURCES", "TRACK"), rows);
  }
}
