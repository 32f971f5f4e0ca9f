package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import io.loudp2p.PeerId;
import io.loudp2p.SearchResult;
import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.LocalCatalog;
import io.loudp2p.core.catalog.LocalContent;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.network.NodeRecord;
import io.loudp2p.core.network.QueryRouter;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchHits;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Search on the serving side (PROTOCOL.md §3.2): answers a query from the catalog and cache and,
 * on a FULL peer, routes it on (random walks and keyword summaries) and relays the hits that come
 * back along the caller's open call. Also sends queries on for this peer's own searches. The
 * routing state lives in the {@link PeerStore}'s query router; this class owns none. Thread-safe.
 */
final class QueryForwarder {
  private static final Logger log = LoggerFactory.getLogger(Loggers.SEARCH);

  /** Most terms in a search query, and the most characters in one. */
  static final int MAX_TERMS = 16;
  static final int MAX_TERM_LENGTH = 64;
  /** Most hits one peer returns for a query. */
  static final int MAX_HITS = 50;
  /** Most sources read from one search hit (the protocol's limit). */
  static final int MAX_SOURCES_PER_HIT = 8;
  /** How long a peer sent a query has to answer at all before the query goes elsewhere too. */
  static final Duration FIRST_ANSWER_TIMEOUT = Duration.ofSeconds(1);
  /** Time a forwarded query may take per hop left. */
  static final Duration HOP_DEADLINE = Duration.ofSeconds(1);

  private final PeerContext ctx;
  private final ControlClient client;
  private final PeerStore store;
  private final SelfRecord self;
  private final RoleState roles;
  private final LocalCatalog catalog;
  private final @Nullable ChunkCache cache;

  QueryForwarder(PeerContext ctx, ControlClient client, PeerStore store, SelfRecord self,
      RoleState roles, LocalCatalog catalog, @Nullable ChunkCache cache) {
    this.ctx = ctx;
    this.client = client;
    this.store = store;
    this.self = self;
    this.roles = roles;
    this.catalog = catalog;
    this.cache = cache;
  }

  /**
   * Answers a query from the catalog and cache, then (FULL peers, streaming calls) routes it on and
   * relays the hits that come back to the caller, whose open call is the reverse path.
   */
  void answer(SignedMessage request, boolean streaming, ControlResponder responder) {
    PeerId sender = request.sender();
    SearchQuery query = request.payload().getSearchQuery();
    String error = QueryRouter.check(query, MAX_TERMS, MAX_TERM_LENGTH);
    if (error != null) {
      responder.fail(ControlErrorCode.MALFORMED, error);
      return;
    }
    ctx.counters.searchesAnswered.increment();
    int limit = QueryRouter.maxResults(query, MAX_HITS, MAX_HITS);
    SearchHits.Builder hits = localHits(query, limit);
    QueryRouter<ControlResponder> r = store.router();
    if (!streaming || !roles.full()) {
      byte[] answer = ctx.seal(Payload.newBuilder().setSearchHits(hits));
      if (streaming) {
        responder.next(answer);
        responder.complete();
      } else {
        responder.reply(answer);
      }
      return;
    }
    QueryRouter.Decision d = r.route(query, sender, responder, store.fullNeighbours(),
        ctx.nowMs());
    if (d.duplicate()) {
      responder.complete();
      return;
    }
    // A walk's first batch goes out at once, empty or not: it tells the sender this peer is
    // alive, so the sender does not send the walk elsewhere. Other queries get hits only.
    if (hits.getHitsCount() > 0 || QueryRouter.walkers(query) > 0) {
      synchronized (responder) {
        responder.next(ctx.seal(Payload.newBuilder().setSearchHits(hits)));
      }
    }
    // The caller's call ends when its query's time is up (one hop deadline per hop left, as the
    // caller reckons it), however long the walks it started go on: a query holds a call for a
    // bounded time, whoever sent it. Hits that come back later are dropped here.
    AtomicReference<@Nullable ControlResponder> open = new AtomicReference<>(responder);
    Runnable end = () -> {
      ControlResponder call = open.getAndSet(null);
      if (call != null) {
        synchronized (call) {
          call.complete();
        }
      }
    };
    ctx.schedule(end, HOP_DEADLINE.multipliedBy(QueryRouter.ttl(query) + 1L).toMillis());
    Set<PeerId> tried = new HashSet<>();
    tried.add(sender);
    for (QueryRouter.Forward f : d.forwards()) {
      tried.add(f.to());
    }
    BiConsumer<PeerId, SearchHits> relay = (from, hitsBack) -> {
      ControlResponder up = r.upstream(query.getQueryId(), ctx.nowMs());
      if (up != null) {
        byte[] sealed = ctx.seal(Payload.newBuilder().setSearchHits(relayable(hitsBack)));
        synchronized (up) {
          if (open.get() != null) {
            up.next(sealed);
          }
        }
      }
    };
    List<CompletableFuture<Boolean>> forwarded = new ArrayList<>();
    for (QueryRouter.Forward f : d.forwards()) {
      forwarded.add(forwardOrReroute(f, tried, relay));
    }
    ctx.counters.searchesForwarded.add(d.forwards().size());
    CompletableFuture.allOf(forwarded.toArray(new CompletableFuture<?>[0])).whenComplete((v, t) -> {
      end.run();
      r.release(query.getQueryId());
    });
  }

  /**
   * Hits to relay upstream: at most {@link #MAX_HITS} of them with at most {@link
   * #MAX_SOURCES_PER_HIT} sources each, one more hop. The asker checks every source's signature;
   * a relay only keeps what it passes on within the protocol's limits.
   */
  static SearchHits relayable(SearchHits hits) {
    SearchHits.Builder out = SearchHits.newBuilder().setQueryId(hits.getQueryId())
        .setHops(hits.getHops() == -1 ? -1 : hits.getHops() + 1); // uint32: saturates
    for (int i = 0; i < Math.min(MAX_HITS, hits.getHitsCount()); i++) {
      io.loudp2p.core.proto.v1.SearchHit h = hits.getHits(i);
      if (h.getSourcesCount() > MAX_SOURCES_PER_HIT) {
        h = h.toBuilder().clearSources()
            .addAllSources(h.getSourcesList().subList(0, MAX_SOURCES_PER_HIT)).build();
      }
      out.addHits(h);
    }
    return out.build();
  }

  /**
   * Sends a random walk on, and when the peer it went to does not answer at all within {@link
   * #FIRST_ANSWER_TIMEOUT} (or fails before answering), sends it to another FULL neighbour not
   * tried yet for this query: a walk that meets a peer that left goes on instead of ending there.
   * Other forwards (flooding, lookahead) go out once. Completes when every call made ended.
   *
   * @param tried the peers this query went to or came from, shared by all its forwards here
   */
  CompletableFuture<Boolean> forwardOrReroute(QueryRouter.Forward f, Set<PeerId> tried,
      BiConsumer<PeerId, SearchHits> onHits) {
    if (f.query().getWalkers() != 1) {
      return forward(f, onHits, null);
    }
    CompletableFuture<Boolean> rerouted = new CompletableFuture<>();
    AtomicBoolean moved = new AtomicBoolean();
    Runnable reroute = () -> {
      if (!moved.compareAndSet(false, true)) {
        return;
      }
      PeerId next = null;
      synchronized (tried) {
        List<NodeRecord> candidates = new ArrayList<>();
        for (NodeRecord n : store.fullNeighbours()) {
          if (!tried.contains(n.id())) {
            candidates.add(n);
          }
        }
        if (!candidates.isEmpty()) {
          next = candidates.get(ctx.random.nextInt(candidates.size())).id();
          tried.add(next);
        }
      }
      if (next == null) {
        rerouted.complete(false);
      } else {
        forwardOrReroute(new QueryRouter.Forward(next, f.query()), tried, onHits)
            .whenComplete((ok, t) -> rerouted.complete(ok != null && ok));
      }
    };
    return forward(f, onHits, reroute).thenCompose(ok -> moved.get() ? rerouted
        : CompletableFuture.completedFuture(ok));
  }

  /**
   * Sends a query on to a peer and hands each batch of hits it streams back to {@code onHits}. A
   * peer that never answered and whose call failed is dropped from the view. Completes when that
   * peer's stream ends, with whether it ended well.
   *
   * @param onSilence runs (once) when the peer has not answered at all within {@link
   *     #FIRST_ANSWER_TIMEOUT}, or its call failed before it did; null for none
   */
  CompletableFuture<Boolean> forward(QueryRouter.Forward f,
      BiConsumer<PeerId, SearchHits> onHits, @Nullable Runnable onSilence) {
    InetSocketAddress address = store.controlOf(f.to());
    if (address == null) {
      if (onSilence != null) {
        onSilence.run();
      }
      return CompletableFuture.completedFuture(false);
    }
    byte[] request = ctx.seal(Payload.newBuilder().setSearchQuery(f.query()));
    Duration deadline = HOP_DEADLINE.multipliedBy(QueryRouter.ttl(f.query()) + 1L);
    AtomicBoolean heard = new AtomicBoolean();
    CompletableFuture<Boolean> call = client.callStreaming(address, ControlMethod.SEARCH, request,
        f.to(), deadline, () -> heard.set(true), answer -> {
          SearchHits got = answer.payload().getSearchHits();
          if (got.getQueryId().equals(f.query().getQueryId())) {
            onHits.accept(f.to(), got);
          }
        }).thenApply(v -> true).exceptionally(t -> {
          Throwable cause = t.getCause() != null ? t.getCause() : t;
          // UNAVAILABLE, or silence until the deadline: the peer is gone. Any other code is an
          // answer (busy, refused): the peer is alive, only this query goes elsewhere.
          boolean answered = cause instanceof ControlException ce
              && ce.code() != ControlErrorCode.UNAVAILABLE;
          boolean unavailable = cause instanceof ControlException ce
              && ce.code() == ControlErrorCode.UNAVAILABLE;
          if (unavailable || (!heard.get() && !answered)) {
            store.markGone(f.to(), address);
          }
          if (!heard.get() && onSilence != null) {
            onSilence.run();
          }
          log.debug("query to {} failed: {}", f.to(), cause.toString());
          return false;
        });
    if (onSilence != null && !call.isDone()) {
      ctx.schedule(() -> {
        if (!heard.get() && !call.isDone()) {
          onSilence.run();
        }
      }, FIRST_ANSWER_TIMEOUT.toMillis());
    }
    return call;
  }

  /** This peer's own hits for a query: its catalog, and on a FULL peer the tracks it cached. */
  private SearchHits.Builder localHits(SearchQuery query, int limit) {
    SearchHits.Builder hits = SearchHits.newBuilder().setQueryId(query.getQueryId());
    for (SearchResult r : catalog.search(String.join(" ", query.getTermsList()), limit)) {
      hits.addHits(io.loudp2p.core.proto.v1.SearchHit.newBuilder()
          .setTrackId(ByteString.copyFrom(r.track().id().bytes()))
          .setSize(r.track().size())
          .setMetadata(LocalContent.metadata(r.track().info()))
          .addSources(self.current())
          .setScore(r.score()));
    }
    // A LIGHT peer shares only the folders it was told to share, not what it played.
    if (cache != null && roles.full() && hits.getHitsCount() < limit) {
      for (TrackId cached : cache.tracks()) {
        Manifest m = cache.manifest(cached);
        if (m != null && catalog.track(cached).isEmpty()
            && CacheSearch.matches(m.metadata(), query.getTermsList())) {
          hits.addHits(io.loudp2p.core.proto.v1.SearchHit.newBuilder()
              .setTrackId(ByteString.copyFrom(cached.bytes()))
              .setSize(m.size())
              .setMetadata(m.metadata())
              .addSources(self.current())
              .setScore(1));
          if (hits.getHitsCount() >= limit) {
            break;
          }
        }
      }
    }
    return hits;
  }
}
