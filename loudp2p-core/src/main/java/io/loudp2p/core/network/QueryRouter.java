package io.loudp2p.core.network;

import com.google.protobuf.ByteString;
import io.loudp2p.PeerId;
import io.loudp2p.core.catalog.internal.SearchIndex;
import io.loudp2p.core.catalog.internal.TextNormalizer;
import io.loudp2p.core.internal.LruMap;
import io.loudp2p.core.proto.v1.SearchQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where a FULL peer sends a search query next, and where hits for it go back.
 *
 * <p>Each query ID is routed once: a second arrival is a duplicate and is dropped (the memory of
 * seen IDs is bounded, {@link #SEEN_QUERIES}, least recently seen forgotten first). The peer a
 * query came from is remembered with it (the reverse path): hits that come back for that ID are
 * relayed to it, so an asker that cannot accept connections still gets every hit.
 *
 * <p>Forwarding, with {@code ttl} at most {@link #MAX_TTL} and nothing forwarded at 0:
 *
 * <ul>
 *   <li>{@code walkers == 0}, flooding: to every FULL neighbour but the one it came from, with
 *       {@code ttl - 1}.
 *   <li>{@code walkers > 0}, routing: with {@code ttl = 0} to up to {@link #MAX_LOOKAHEAD} peers
 *       whose {@link KeywordSummary} may match every term (one-hop lookahead), and to {@code
 *       walkers} random other FULL neighbours with {@code ttl - 1} and {@code walkers = 1} (random
 *       walks). The asker's first FULL peer starts {@code walkers} walks; each then goes on alone.
 * </ul>
 *
 * <p>Thread-safe; time is passed in. {@code U} is how the caller reaches the peer that asked
 * (a peer ID on a message bus, a response stream on gRPC).
 */
public final class QueryRouter<U> {
  /** Largest TTL; a larger one is cut to this. */
  public static final int MAX_TTL = 7;
  /** Most walkers a query may ask for. */
  public static final int MAX_WALKERS = 16;
  /** Walkers an asker starts by default. */
  public static final int DEFAULT_WALKERS = 8;
  /** Most peers sent a query on the strength of their summaries, per hop. */
  public static final int MAX_LOOKAHEAD = 8;
  /** Query IDs remembered for duplicate suppression and the reverse path. */
  public static final int SEEN_QUERIES = 4096;
  /** How long a reverse path is kept. */
  public static final long ROUTE_LIFETIME_MS = Duration.ofMinutes(1).toMillis();
  /** Neighbours' summaries kept, and for how long. */
  public static final int SUMMARIES = 64;
  public static final long SUMMARY_LIFETIME_MS = Duration.ofMinutes(30).toMillis();

  /** One query to send: to whom, and the query as it goes there. */
  public record Forward(PeerId to, SearchQuery query) {}

  /** What to do with an arrived query: drop it (duplicate), or answer it and send the forwards. */
  public record Decision(boolean duplicate, List<Forward> forwards) {
    static final Decision DUPLICATE = new Decision(true, List.of());
  }

  private record Route<U>(@Nullable PeerId from, @Nullable U upstream, long atMs) {}

  /** A neighbour's summary, when it came, and the neighbour's record (where to send it queries). */
  private record Known(KeywordSummary summary, long atMs, NodeRecord sender) {}

  private final PeerId self;
  private final Random random;
  private final Map<ByteString, Route<U>> seen;
  private final Map<PeerId, Known> summaries = new LruMap<>(SUMMARIES);
  private boolean useSummaries = true;

  /** A router for peer {@code self}. */
  public QueryRouter(PeerId self, Random random) {
    this(self, random, SEEN_QUERIES);
  }

  /** A router remembering {@code seenQueries} query IDs. */
  public QueryRouter(PeerId self, Random random, int seenQueries) {
    this.self = Objects.requireNonNull(self, "self");
    this.random = Objects.requireNonNull(random, "random");
    this.seen = new LruMap<>(seenQueries);
  }

  /**
   * The most distinct words of all a query's terms together (each term split as the index splits
   * text): the query costs a responder one index lookup and one score per word and candidate.
   */
  public static final int MAX_QUERY_WORDS = SearchIndex.MAX_QUERY_TERMS;

  /**
   * Why a query must be refused, or null when it is well-formed. Lengths are counted in Unicode
   * code points; numbers are the protocol's unsigned ones.
   */
  public static @Nullable String check(SearchQuery query, int maxTerms, int maxTermLength) {
    if (query.getQueryId().size() != 16) {
      return "query_id must have 16 bytes, not " + query.getQueryId().size();
    }
    if (query.getTermsCount() == 0 || query.getTermsCount() > maxTerms) {
      return "a query has 1 to " + maxTerms + " terms, not " + query.getTermsCount();
    }
    Set<String> words = new HashSet<>();
    for (String term : query.getTermsList()) {
      int length = term.codePointCount(0, term.length());
      if (length > maxTermLength) {
        return "a term has at most " + maxTermLength + " characters, not " + length;
      }
      words.addAll(TextNormalizer.tokens(term));
    }
    if (words.size() > MAX_QUERY_WORDS) {
      return "the terms of a query have at most " + MAX_QUERY_WORDS + " distinct words, not "
          + words.size();
    }
    if (Integer.compareUnsigned(query.getWalkers(), MAX_WALKERS) > 0) {
      return "a query asks for at most " + MAX_WALKERS + " walkers, not "
          + Integer.toUnsignedString(query.getWalkers());
    }
    return null;
  }

  /** A query's {@code ttl}, read unsigned and cut to {@link #MAX_TTL}. */
  public static int ttl(SearchQuery query) {
    return (int) Math.min(Integer.toUnsignedLong(query.getTtl()), MAX_TTL);
  }

  /** A query's {@code walkers}, read unsigned and cut to {@link #MAX_WALKERS}. */
  public static int walkers(SearchQuery query) {
    return (int) Math.min(Integer.toUnsignedLong(query.getWalkers()), MAX_WALKERS);
  }

  /** The hits a query asks for, read unsigned: {@code fallback} for 0, else at most {@code most}. */
  public static int maxResults(SearchQuery query, int fallback, int most) {
    long asked = Integer.toUnsignedLong(query.getMaxResults());
    return asked == 0 ? fallback : (int) Math.min(most, asked);
  }

  /**
   * Routes an arrived (or this peer's own) query.
   *
   * @param from the peer it came from, or null for this peer's own
   * @param upstream how to reach whoever asked, for hits coming back
   * @param fullNeighbours the FULL peers to forward to
   */
  public synchronized Decision route(SearchQuery query, @Nullable PeerId from, U upstream,
      List<NodeRecord> fullNeighbours, long nowMs) {
    ByteString id = query.getQueryId();
    Route<U> known = seen.get(id);
    if (known != null && nowMs - known.atMs() < ROUTE_LIFETIME_MS) {
      return Decision.DUPLICATE;
    }
    seen.put(id, new Route<>(from, upstream, nowMs));
    int ttl = ttl(query);
    if (ttl == 0) {
      return new Decision(false, List.of());
    }
    List<Forward> out = new ArrayList<>();
    if (walkers(query) == 0) {
      SearchQuery next = query.toBuilder().setTtl(ttl - 1).build();
      for (NodeRecord n : fullNeighbours) {
        if (!n.id().equals(from) && !n.id().equals(self)) {
          out.add(new Forward(n.id(), next));
        }
      }
      return new Decision(false, out);
    }
    Set<PeerId> chosen = new HashSet<>();
    List<PeerId> matching = new ArrayList<>();
    for (Map.Entry<PeerId, Known> e : summaries.entrySet()) {
      if (useSummaries && !e.getKey().equals(from) && nowMs - e.getValue().atMs() < SUMMARY_LIFETIME_MS
          && e.getValue().summary().mayMatch(query.getTermsList())) {
        matching.add(e.getKey());
      }
    }
    Collections.shuffle(matching, random);
    SearchQuery look = query.toBuilder().setTtl(0).setWalkers(0).build();
    for (PeerId p : matching.subList(0, Math.min(MAX_LOOKAHEAD, matching.size()))) {
      chosen.add(p);
      out.add(new Forward(p, look));
    }
    List<NodeRecord> candidates = new ArrayList<>();
    for (NodeRecord n : fullNeighbours) {
      if (!n.id().equals(from) && !n.id().equals(self) && !chosen.contains(n.id())) {
        candidates.add(n);
      }
    }
    Collections.shuffle(candidates, random);
    int walkers = walkers(query);
    SearchQuery walk = query.toBuilder().setTtl(ttl - 1).setWalkers(1).build();
    for (NodeRecord n : candidates.subList(0, Math.min(walkers, candidates.size()))) {
      out.add(new Forward(n.id(), walk));
    }
    return new Decision(false, out);
  }

  /**
   * Forgets where hits for {@code queryId} went back to (the call upstream ended), and still drops
   * the query as a duplicate for the rest of {@link #ROUTE_LIFETIME_MS}: a remembered route holds
   * no finished call.
   */
  public synchronized void release(ByteString queryId) {
    Route<U> r = seen.get(queryId);
    if (r != null) {
      seen.put(queryId, new Route<>(r.from(), null, r.atMs()));
    }
  }

  /** Where hits for {@code queryId} go back to, or null when the route is unknown or expired. */
  public synchronized @Nullable U upstream(ByteString queryId, long nowMs) {
    Route<U> r = seen.get(queryId);
    return r == null || nowMs - r.atMs() >= ROUTE_LIFETIME_MS ? null : r.upstream();
  }

  /**
   * Learns a FULL neighbour's keyword summary, with its record: a query sent ahead to it must find
   * its address even after the neighbour left the view and the bounded peer table.
   */
  public synchronized void learn(NodeRecord peer, KeywordSummary summary, long nowMs) {
    if (!peer.id().equals(self)) {
      summaries.put(peer.id(), new Known(summary, nowMs, peer));
    }
  }

  /** The record of a peer whose summary is held, or null. */
  public synchronized @Nullable NodeRecord summarySender(PeerId peer) {
    Known k = summaries.get(peer);
    return k == null ? null : k.sender();
  }

  /** Forgets a peer's summary: it left, failed, or is no longer FULL. */
  public synchronized void forget(PeerId peer) {
    summaries.remove(peer);
  }

  /** The peers whose summaries are known (they exchanged with this peer lately). */
  public synchronized List<PeerId> knownSummaryPeers() {
    return new ArrayList<>(summaries.keySet());
  }

  /** Turns the summary lookahead off (plain random walks) or on; for measurements. */
  public synchronized void useSummaries(boolean use) {
    this.useSummaries = use;
  }

  /** How many summaries are known. */
  public synchronized int summaries() {
    return summaries.size();
  }
}
