package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.SearchHit;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.examples.Cli.Run;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code search}: its order, its columns, its JSON, and saying when it cut the list. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SearchCommandTest {
  @TempDir Path tmp;
  private Peer sharer;
  private String at;

  @BeforeEach
  void startSharer() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (int i = 1; i <= 3; i++) {
      files.put(i + ".wav", CommandLineTest.wav("Harbour Light " + i, "Tide \"& Co\"", i));
    }
    sharer = Cli.sharer(tmp.resolve("music"), files);
    at = Cli.address(sharer);
  }

  @AfterEach
  void stopSharer() {
    sharer.close();
  }

  @Test
  void aListCutByTheLimitSaysHowManyItShowsOfHowMany() {
    Run cut = Cli.run("search", "harbour", "-b", at, "--limit", "2");
    Run all = Cli.run("search", "harbour", "-b", at, "--all");

    assertThat(cut.exit()).as(cut.err()).isZero();
    assertThat(cut.out().lines()).hasSize(3); // the header and two hits
    assertThat(cut.err()).isEqualTo("2 of 3 hits shown; --limit 3 or --all shows more\n");
    assertThat(all.exit()).as(all.err()).isZero();
    assertThat(all.out().lines()).hasSize(4);
    assertThat(all.err()).isEmpty();
  }

  @Test
  void jsonIsOneDocumentWithTheQueryAndEachHitWhole() {
    Run r = Cli.run("search", "harbour", "light", "-b", at, "--json", "--limit", "1");

    assertThat(r.exit()).as(r.err()).isZero();
    String json = r.out().strip();
    assertThat(json).hasLineCount(1).startsWith("{\"query\":\"harbour light\",\"total\":3,\"shown\":1,"
        + "\"results\":[{\"id\":\"").endsWith("]}]}");
    String id = json.substring(json.indexOf("\"id\":\"") + 6, json.indexOf("\",\"title\""));
    assertThat(TrackId.parse(id)).isNotNull();
    assertThat(json).contains("\"title\":\"Harbour Light ", "\"artist\":\"Tide \\\"\\u0026 Co\\\"\"",
        "\"album\":\"\"", "\"trackNumber\":0", "\"durationMs\":", "\"codec\":\"wav\"",
        "\"sources\":[\"" + sharer.id() + "\"]");
  }

  @Test
  void noWordsATimeoutBelowOneSecondAndABadLimitAreUsageErrors() {
    Run noWords = Cli.run("search", "-b", at);
    Run zero = Cli.run("search", "harbour", "-b", at, "--timeout", "0");
    Run negative = Cli.run("search", "harbour", "-b", at, "--timeout", "-3");
    Run limit = Cli.run("search", "harbour", "-b", at, "--limit", "0");
    Run noBootstrap = Cli.run("search", "harbour");

    assertThat(noWords.exit()).isEqualTo(2);
    assertThat(noWords.err()).isEqualTo("loudp2p: name words to search for, or list everything a"
        + " peer shares with --peer [PEERID]\n");
    assertThat(zero.exit()).isEqualTo(2);
    assertThat(zero.err()).isEqualTo("loudp2p: --timeout must be at least 1 second, not 0\n");
    assertThat(negative.exit()).isEqualTo(2);
    assertThat(limit.exit()).isEqualTo(2);
    assertThat(limit.err()).isEqualTo("loudp2p: --limit must be from 1 to 1000, not 0\n");
    assertThat(noBootstrap.exit()).isEqualTo(2);
    // (picocli wraps the help: single words only)
    assertThat(Cli.run("search", "--help").out()).contains("--json", "--all", "--limit",
        "everything");
  }

  @Test
  void everythingAPeerSharesIsListedWithPeerAndWordsKeepWhatMatches() {
    Run bootstrap = Cli.run("search", "--peer", "-b", at, "--json");
    Run byId = Cli.run("search", "--peer", sharer.id().toString(), "-b", at);
    Run matching = Cli.run("search", "light", "3", "--peer", "-b", at);
    Run none = Cli.run("search", "sunrise", "--peer", "-b", at);
    Run notAnId = Cli.run("search", "--peer", "nobody", "-b", at);

    assertThat(bootstrap.exit()).as(bootstrap.err()).isZero();
    assertThat(bootstrap.out()).contains("\"total\":3,\"shown\":3", "Harbour Light 1",
        "Harbour Light 2", "Harbour Light 3", "\"sources\":[\"" + sharer.id() + "\"]");
    assertThat(byId.exit()).as(byId.err()).isZero();
    assertThat(byId.out().lines()).hasSize(4); // the header and three tracks
    assertThat(matching.exit()).as(matching.err()).isZero();
    assertThat(matching.out().lines()).hasSize(2);
    assertThat(matching.out()).contains("Harbour Light 3").doesNotContain("Harbour Light 1");
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.err()).isEqualTo("loudp2p: no results for 'sunrise' among the tracks "
        + sharer.id() + " shares\n");
    assertThat(notAnId.exit()).isEqualTo(2);
    assertThat(notAnId.err()).startsWith("loudp2p: 'nobody' is not a peer ID");
  }

  @Test
  void hitsComeByRelevanceThenAlbumThenTrackNumberAsANumber() {
    List<SearchHit> hits = new ArrayList<>();
    int[] numbers = {10, 2, 1, 11, 0};
    for (int i = 0; i < numbers.length; i++) {
      hits.add(hit("B side " + numbers[i], "Bravo", numbers[i], 1f));
    }
    hits.add(hit("Earlier album", "Alpha", 7, 1f));
    hits.add(hit("Best match", "Zulu", 3, 2f));

    List<String> titles = new ArrayList<>();
    for (SearchHit h : SearchResults.sorted(hits)) {
      titles.add(h.track().info().title());
    }

    assertThat(titles).containsExactly("Best match", "Earlier album", "B side 1", "B side 2",
        "B side 10", "B side 11", "B side 0");
  }

  @Test
  void theTableHasCodecAndTrackNumberColumnsAndFitsTheWidth() {
    SearchHit h = hit("A title far too long to fit in a narrow terminal at all, and then some more",
        "An artist with a long name too", 4, 1f);
    StringWriter out = new StringWriter();

    SearchResults.table(new PrintWriter(out), List.of(h), 70);

    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(0)).startsWith("#  TITLE").contains("CODEC", "TRACK");
    assertThat(lines.get(1)).startsWith("4  A title").contains("…", "flac", SearchResults.shortId(h));
    assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(70));
  }

  private static SearchHit hit(String title, String album, int number, float score) {
    byte[] id = new byte[TrackId.LENGTH];
    new java.util.Random(title.hashCode()).nextBytes(id);
    TrackInfo info = TrackInfo.builder(title).artist("Someone").album(album).trackNumber(number)
        .duration(Duration.ofSeconds(200)).codec("flac").build();
    return new SearchHit(new Track(TrackId.fromBytes(id), 1000, info),
        List.of(io.loudp2p.core.identity.Identity.generate().peerId()), score);
  }
}
