package io.loudp2p.core.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Catalog;
import io.loudp2p.SearchResult;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SearchIndexTest {
  private static int counter;

  private static Track track(String title, String artist, String album) {
    byte[] id = new byte[TrackId.LENGTH];
    int n = ++counter;
    id[0] = (byte) (n >>> 8);
    id[1] = (byte) n;
    return new Track(
        TrackId.fromBytes(id), 1000, TrackInfo.builder(title).artist(artist).album(album).build());
  }

  private static List<String> titles(List<SearchResult> results) {
    List<String> out = new ArrayList<>();
    for (SearchResult r : results) {
      out.add(r.track().info().title());
    }
    return out;
  }

  private final Track halo = track("Halo", "Beyoncé", "I Am... Sasha Fierce");
  private final Track hoppipolla = track("Hoppípolla", "Sigur Rós", "Takk...");
  private final Track teardrop = track("Teardrop", "Massive Attack", "Mezzanine");
  private final Track angel = track("Angel", "Massive Attack", "Mezzanine");
  private final Track mezzanineSong = track("Mezzanine", "Other Band", "Singles");
  private final SearchIndex index =
      SearchIndex.of(List.of(halo, hoppipolla, teardrop, angel, mezzanineSong));

  @Test
  void findsWithoutCaseOrAccents() {
    assertThat(titles(index.search("BEYONCE", 10))).containsExactly("Halo");
    assertThat(titles(index.search("beyoncé", 10))).containsExactly("Halo");
    assertThat(titles(index.search("hoppipolla sigur ros", 10))).containsExactly("Hoppípolla");
  }

  @Test
  void matchesPrefixesOfWords() {
    assertThat(titles(index.search("beyo", 10))).containsExactly("Halo");
    assertThat(titles(index.search("tear mass", 10))).containsExactly("Teardrop");
  }

  @Test
  void requiresEveryTerm() {
    assertThat(titles(index.search("massive angel", 10))).containsExactly("Angel");
    assertThat(index.search("massive beyonce", 10)).isEmpty();
    assertThat(index.search("nothing", 10)).isEmpty();
  }

  @Test
  void ranksTitleAboveAlbumAndExactAbovePrefix() {
    List<SearchResult> results = index.search("mezzanine", 10);
    assertThat(titles(results).get(0)).isEqualTo("Mezzanine");
    assertThat(titles(results)).hasSize(3);
    assertThat(results.get(0).score()).isGreaterThan(results.get(1).score());

    Track exact = track("Love", "A", "");
    Track prefix = track("Lovely", "B", "");
    SearchIndex love = SearchIndex.of(List.of(prefix, exact));
    List<SearchResult> r = love.search("love", 10);
    assertThat(titles(r)).containsExactly("Love", "Lovely");
    assertThat(r.get(0).score()).isGreaterThan(r.get(1).score());
  }

  @Test
  void honoursTheLimitAndOrdersTiesStably() {
    assertThat(titles(index.search("massive", 1))).containsExactly("Angel");
    assertThat(titles(index.search("massive", 10))).containsExactly("Angel", "Teardrop");
  }

  @Test
  void emptyQueriesFindNothing() {
    assertThat(index.search("", 10)).isEmpty();
    assertThat(index.search("  ,;- ", 10)).isEmpty();
    assertThat(SearchIndex.of(List.of()).search("halo", 10)).isEmpty();
  }

  @Test
  void shortWordsMatchOnlyWholeWords() {
    Track a = track("A Song", "X", "");
    Track b = track("Another", "Y", "");
    SearchIndex idx = SearchIndex.of(List.of(a, b));
    assertThat("a").hasSizeLessThan(SearchIndex.MIN_PREFIX_LENGTH);
    assertThat(titles(idx.search("a", 10))).containsExactly("A Song");
    assertThat(titles(idx.search("an", 10))).containsExactly("Another");
  }

  @Test
  void rejectsTooManyTerms() {
    String ok = "a b c d e f g h i j k l m n o p".substring(0, 2 * SearchIndex.MAX_QUERY_TERMS - 1);
    assertThat(index.search(ok, 10)).isEmpty();
    assertThatThrownBy(() -> index.search(ok + " z", 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the most is " + SearchIndex.MAX_QUERY_TERMS);
    assertThat(index.search("halo halo halo halo halo halo halo halo halo halo halo halo halo halo"
        + " halo halo halo", 10)).hasSize(1);
  }

  @Test
  void rejectsTooLongQueries() {
    assertThat(index.search(" ".repeat(SearchIndex.MAX_QUERY_LENGTH), 10)).isEmpty();
    assertThatThrownBy(() -> index.search(" ".repeat(SearchIndex.MAX_QUERY_LENGTH + 1), 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the most is " + SearchIndex.MAX_QUERY_LENGTH);
  }

  @Test
  void rejectsLimitsOutOfRange() {
    assertThat(index.search("halo", Catalog.MAX_RESULTS)).hasSize(1);
    assertThatThrownBy(() -> index.search("halo", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from 1 to " + Catalog.MAX_RESULTS);
    assertThatThrownBy(() -> index.search("halo", Catalog.MAX_RESULTS + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cutsLongWordsTheSameInIndexAndQuery() {
    String longWord = "x".repeat(TextNormalizer.MAX_TOKEN_LENGTH + 20);
    SearchIndex idx = SearchIndex.of(List.of(track(longWord, "", "")));
    assertThat(TextNormalizer.tokens(longWord).get(0)).hasSize(TextNormalizer.MAX_TOKEN_LENGTH);
    assertThat(idx.search(longWord + "yyy", 10)).hasSize(1);
    assertThat(idx.search("xxxx", 10)).hasSize(1);
  }

  @Test
  void normalisesText() {
    assertThat(TextNormalizer.tokens("Ágætis BYRJUN, Déjà-Vu!")).containsExactly(
        "agætis", "byrjun", "deja", "vu");
    assertThat(TextNormalizer.fold("Beyoncé")).isEqualTo("beyonce");
  }

  @Test
  void answersOverManyTracks() {
    List<Track> many = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      many.add(track("Song " + i, "Artist " + (i % 50), "Album " + (i % 300)));
    }
    SearchIndex idx = SearchIndex.of(many);
    assertThat(idx.size()).isEqualTo(3000);
    List<SearchResult> r = idx.search("song artist 7", 1000);
    assertThat(r).isNotEmpty();
    for (SearchResult s : r) {
      assertThat(s.track().info().artist()).isEqualTo("Artist 7");
    }
    assertThat(r).hasSize(60);
  }
}
