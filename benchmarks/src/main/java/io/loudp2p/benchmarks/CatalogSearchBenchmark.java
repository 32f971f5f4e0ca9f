package io.loudp2p.benchmarks;

import io.loudp2p.SearchResult;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.catalog.internal.SearchIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Keyword search over 100,000 synthetic tracks (seeded): queries of one to three words taken from
 * the tracks, some cut to prefixes, as a user would type them.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar CatalogSearch -f 1 -wi 2 -i 3}; reports the
 * average time per query.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CatalogSearchBenchmark {
  static final int TRACKS = 100_000;
  private static final int QUERIES = 4096;
  private static final String[] SYLLABLES = {
    "ka", "lo", "mi", "ra", "su", "te", "vo", "né", "bri", "dan", "el", "for", "gu", "ho", "is",
    "jé", "kor", "lu", "mar", "nor", "os", "pa", "qui", "ros", "sta", "tur", "um", "ve", "wil",
    "xa", "yo", "zé"
  };

  private SearchIndex index;
  private String[] queries;
  private int next;

  @Setup
  public void setUp() {
    Random random = new Random(20_240_601L);
    String[] words = new String[8000];
    for (int i = 0; i < words.length; i++) {
      words[i] = word(random);
    }
    String[] artists = new String[6000];
    for (int i = 0; i < artists.length; i++) {
      artists[i] = capitalised(words, random, 1 + random.nextInt(2));
    }
    String[] albums = new String[20_000];
    for (int i = 0; i < albums.length; i++) {
      albums[i] = capitalised(words, random, 1 + random.nextInt(3));
    }
    List<Track> tracks = new ArrayList<>(TRACKS);
    List<String[]> fields = new ArrayList<>(TRACKS);
    for (int i = 0; i < TRACKS; i++) {
      byte[] id = new byte[TrackId.LENGTH];
      random.nextBytes(id);
      String title = capitalised(words, random, 1 + random.nextInt(4));
      String artist = artists[random.nextInt(artists.length)];
      String album = albums[random.nextInt(albums.length)];
      tracks.add(
          new Track(
              TrackId.fromBytes(id),
              3_000_000 + random.nextInt(5_000_000),
              TrackInfo.builder(title).artist(artist).album(album).trackNumber(1 + i % 12).build()));
      fields.add(new String[] {title, artist, album});
    }
    index = SearchIndex.of(tracks);
    queries = new String[QUERIES];
    for (int q = 0; q < QUERIES; q++) {
      String[] f = fields.get(random.nextInt(TRACKS));
      int terms = 1 + random.nextInt(3);
      StringBuilder sb = new StringBuilder();
      for (int t = 0; t < terms; t++) {
        String[] parts = f[random.nextInt(3)].split(" ");
        String part = parts[random.nextInt(parts.length)].toLowerCase();
        if (random.nextInt(3) == 0 && part.length() > 3) {
          part = part.substring(0, 3);
        }
        sb.append(part).append(' ');
      }
      queries[q] = sb.toString();
    }
  }

  private static String word(Random random) {
    StringBuilder sb = new StringBuilder();
    int n = 2 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      sb.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
    }
    return sb.toString();
  }

  private static String capitalised(String[] words, Random random, int count) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < count; i++) {
      String w = words[random.nextInt(words.length)];
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(Character.toUpperCase(w.charAt(0))).append(w, 1, w.length());
    }
    return sb.toString();
  }

  /** One query of one to three words, the best 20 results. */
  @Benchmark
  public List<SearchResult> search() {
    String q = queries[next++ & (QUERIES - 1)];
    return index.search(q, 20);
  }
}
