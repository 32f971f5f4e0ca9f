package io.loudp2p.core.catalog.internal;

import io.loudp2p.Catalog;
import io.loudp2p.SearchResult;
import io.loudp2p.Track;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;

/**
 * An immutable inverted index over the title, artist and album of a set of tracks.
 *
 * <p>The vocabulary is a sorted array of tokens, so a query word finds the tokens it is a prefix
 * of by binary search; each token has a posting list of the tracks holding it. A query takes the
 * word with the shortest posting lists as candidates and scores each candidate against every word
 * through the track's own token codes, so its cost grows with the rarest word, not the catalog.
 *
 * <p>Immutable and thread-safe; a changed catalog builds a new index.
 */
public final class SearchIndex {
  /**
   * The longest query accepted, in UTF-16 units: room for the protocol's 16 terms of 64 code points
   * each (two units apiece outside the Basic Multilingual Plane) and the spaces between them.
   */
  public static final int MAX_QUERY_LENGTH = 16 * 64 * 2 + 15;

  /**
   * The most distinct words a query may have: as many as the protocol's 16 terms, so that every
   * query a peer may be sent can be answered.
   */
  public static final int MAX_QUERY_TERMS = 16;

  /**
   * Words shorter than this match whole words only, not as prefixes: a one-letter prefix would
   * match most of a catalog and cost a scan of it.
   */
  public static final int MIN_PREFIX_LENGTH = 2;

  static final int FIELD_TITLE = 0;
  static final int FIELD_ARTIST = 1;
  static final int FIELD_ALBUM = 2;
  private static final int[] FIELD_WEIGHT = {3, 3, 1};
  private static final int EXACT = 2;
  private static final int PREFIX = 1;

  private static final SearchIndex EMPTY = new SearchIndex(List.of());

  private final Track[] docs;
  private final String[] vocab;
  private final int[][] postings;
  /** postingTotals[i] = total posting length of vocab[0, i). */
  private final long[] postingTotals;
  /** Per doc: token id << 2 | field, distinct. */
  private final int[][] docCodes;

  private SearchIndex(Collection<Track> tracks) {
    Track[] sorted = tracks.toArray(new Track[0]);
    Arrays.sort(
        sorted,
        Comparator.comparing((Track t) -> TextNormalizer.fold(t.info().title()))
            .thenComparing(t -> TextNormalizer.fold(t.info().artist()))
            .thenComparing(Track::id));
    this.docs = sorted;
    List<List<String>> fieldsPerDoc = new ArrayList<>(sorted.length);
    TreeSet<String> vocabSet = new TreeSet<>();
    for (Track t : sorted) {
      List<String> title = TextNormalizer.tokens(t.info().title());
      List<String> artist = TextNormalizer.tokens(t.info().artist());
      List<String> album = TextNormalizer.tokens(t.info().album());
      vocabSet.addAll(title);
      vocabSet.addAll(artist);
      vocabSet.addAll(album);
      fieldsPerDoc.add(title);
      fieldsPerDoc.add(artist);
      fieldsPerDoc.add(album);
    }
    this.vocab = vocabSet.toArray(new String[0]);
    Map<String, Integer> ids = new HashMap<>(vocab.length * 2);
    for (int i = 0; i < vocab.length; i++) {
      ids.put(vocab[i], i);
    }
    int[] postingCounts = new int[vocab.length];
    this.docCodes = new int[sorted.length][];
    for (int d = 0; d < sorted.length; d++) {
      LinkedHashSet<Integer> codes = new LinkedHashSet<>();
      LinkedHashSet<Integer> tokenIds = new LinkedHashSet<>();
      for (int f = 0; f < 3; f++) {
        for (String token : fieldsPerDoc.get(d * 3 + f)) {
          int id = ids.get(token);
          codes.add(id << 2 | f);
          tokenIds.add(id);
        }
      }
      docCodes[d] = codes.stream().mapToInt(Integer::intValue).toArray();
      for (int id : tokenIds) {
        postingCounts[id]++;
      }
    }
    this.postings = new int[vocab.length][];
    for (int i = 0; i < vocab.length; i++) {
      postings[i] = new int[postingCounts[i]];
    }
    int[] fill = new int[vocab.length];
    for (int d = 0; d < sorted.length; d++) {
      int previous = -1;
      for (int code : sortedTokenIds(docCodes[d])) {
        if (code != previous) {
          postings[code][fill[code]++] = d;
          previous = code;
        }
      }
    }
    this.postingTotals = new long[vocab.length + 1];
    for (int i = 0; i < vocab.length; i++) {
      postingTotals[i + 1] = postingTotals[i] + postings[i].length;
    }
  }

  private static int[] sortedTokenIds(int[] codes) {
    int[] ids = new int[codes.length];
    for (int i = 0; i < codes.length; i++) {
      ids[i] = codes[i] >>> 2;
    }
    Arrays.sort(ids);
    return ids;
  }

  /** An index over {@code tracks}. */
  public static SearchIndex of(Collection<Track> tracks) {
    return tracks.isEmpty() ? EMPTY : new SearchIndex(tracks);
  }

  /** The number of tracks indexed. */
  public int size() {
    return docs.length;
  }

  /**
   * The tracks matching every word of {@code query}, best first.
   *
   * @throws IllegalArgumentException when the query or limit is out of bounds
   */
  public List<SearchResult> search(String query, int limit) {
    if (limit < 1 || limit > Catalog.MAX_RESULTS) {
      throw new IllegalArgumentException(
          "search limit must be from 1 to " + Catalog.MAX_RESULTS + ", got " + limit);
    }
    if (query.length() > MAX_QUERY_LENGTH) {
      throw new IllegalArgumentException(
          "search query has " + query.length() + " characters, the most is " + MAX_QUERY_LENGTH);
    }
    List<String> terms = new ArrayList<>(new LinkedHashSet<>(TextNormalizer.tokens(query)));
    if (terms.size() > MAX_QUERY_TERMS) {
      throw new IllegalArgumentException(
          "search query has " + terms.size() + " words, the most is " + MAX_QUERY_TERMS);
    }
    if (terms.isEmpty() || docs.length == 0) {
      return List.of();
    }
    int n = terms.size();
    int[] lo = new int[n];
    int[] hi = new int[n];
    int[] exact = new int[n];
    int rarest = 0;
    long rarestCount = Long.MAX_VALUE;
    for (int t = 0; t < n; t++) {
      String term = terms.get(t);
      int from = lowerBound(term);
      boolean hasExact = from < vocab.length && vocab[from].equals(term);
      exact[t] = hasExact ? from : -1;
      lo[t] = from;
      hi[t] = term.length() < MIN_PREFIX_LENGTH ? from + (hasExact ? 1 : 0) : prefixEnd(term, from);
      long count = postingTotals[hi[t]] - postingTotals[lo[t]];
      if (count == 0) {
        return List.of();
      }
      if (count < rarestCount) {
        rarestCount = count;
        rarest = t;
      }
    }
    PriorityQueue<int[]> best =
        new PriorityQueue<>(
            limit + 1,
            (a, b) -> a[1] != b[1] ? Integer.compare(a[1], b[1]) : Integer.compare(b[0], a[0]));
    // A candidate can sit in several posting lists of the rarest word's prefix range; score it once.
    long[] seen = hi[rarest] - lo[rarest] > 1 ? new long[(docs.length + 63) >>> 6] : null;
    for (int token = lo[rarest]; token < hi[rarest]; token++) {
      for (int d : postings[token]) {
        if (seen != null) {
          long bit = 1L << d;
          if ((seen[d >>> 6] & bit) != 0) {
            continue;
          }
          seen[d >>> 6] |= bit;
        }
        int total = score(docCodes[d], lo, hi, exact);
        if (total > 0) {
          int[] worst = best.size() == limit ? best.peek() : null;
          if (worst != null && (total < worst[1] || total == worst[1] && d > worst[0])) {
            continue;
          }
          best.add(new int[] {d, total});
          if (best.size() > limit) {
            best.poll();
          }
        }
      }
    }
    SearchResult[] out = new SearchResult[best.size()];
    for (int i = out.length - 1; i >= 0; i--) {
      int[] e = best.poll();
      out[i] = new SearchResult(docs[e[0]], e[1]);
    }
    return List.of(out);
  }

  /** The sum over words of each word's best match in the document, or 0 when a word is missing. */
  private static int score(int[] codes, int[] lo, int[] hi, int[] exact) {
    int total = 0;
    for (int t = 0; t < lo.length; t++) {
      int termScore = 0;
      for (int code : codes) {
        int id = code >>> 2;
        if (id >= lo[t] && id < hi[t]) {
          termScore = Math.max(termScore, FIELD_WEIGHT[code & 3] * (id == exact[t] ? EXACT : PREFIX));
        }
      }
      if (termScore == 0) {
        return 0;
      }
      total += termScore;
    }
    return total;
  }

  private int lowerBound(String key) {
    int a = 0;
    int b = vocab.length;
    while (a < b) {
      int m = (a + b) >>> 1;
      if (vocab[m].compareTo(key) < 0) {
        a = m + 1;
      } else {
        b = m;
      }
    }
    return a;
  }

  private int prefixEnd(String prefix, int from) {
    int a = from;
    int b = vocab.length;
    while (a < b) {
      int m = (a + b) >>> 1;
      if (vocab[m].startsWith(prefix)) {
        a = m + 1;
      } else {
        b = m;
      }
    }
    return a;
  }
}
