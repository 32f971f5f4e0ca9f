package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import io.loudp2p.PeerId;
import io.loudp2p.SearchHit;
import io.loudp2p.SearchResult;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.catalog.LocalCatalog;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.core.network.LightLinks;
import io.loudp2p.core.network.NodeRecord;
import io.loudp2p.core.network.QueryRouter;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.SearchHits;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.proto.v1.TrackMetadata;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlResponder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This peer's own searches: asks its catalog, then the network (a FULL peer routes the query
 * itself, a LIGHT peer hands it to its links), merges the hits by track as they come, and
 * remembers who holds what in {@link Holders}. The user's listener is called on {@code callbacks},
 * never under a lock. Each search owns its own state; thread-safe.
 */
final class SearchClient {
  private static final Logger log = LoggerFactory.getLogger(Loggers.SEARCH);
  /** For a listener that fails on every hit. */
  private static final ThrottledLog throttled = new ThrottledLog(log);

  /**
   * When a FULL peer's own search that has found nothing sends a second wave of walks (at the
   * latest; sooner when the first wave ended empty).
   */
  static final Duration SECOND_WAVE_AFTER = Duration.ofSeconds(2);
  /**
   * Holders a search starts connecting to as their hits arrive, at most: those of its first hits,
   * so that streaming one of them does not wait for new connections' handshakes.
   */
  static final int MAX_WARMED = 8;

  /** The upstream of this peer's own queries: hits for them are merged where they arrive. */
  private static final ControlResponder NO_UPSTREAM = new ControlResponder() {
    @Override
    public void reply(byte[] response) {}

    @Override
    public void next(byte[] response) {}

    @Override
    public void complete() {}

    @Override
    public void fail(ControlErrorCode code, String message) {}

    @Override
    public boolean isCancelled() {
      return true;
    }
  };

  private final PeerContext ctx;
  private final PeerStore store;
  private final RoleState roles;
  private final LocalCatalog catalog;
  private final QueryForwarder forwarder;
  private final LinkKeeper links;
  private final Holders holders;
  private final ControlClient client;
  private final Executor callbacks;

  SearchClient(PeerContext ctx, PeerStore store, RoleState roles, LocalCatalog catalog,
      QueryForwarder forwarder, LinkKeeper links, Holders holders, ControlClient client,
      Executor callbacks) {
    this.client = client;
    this.ctx = ctx;
    this.store = store;
    this.roles = roles;
    this.catalog = catalog;
    this.forwarder = forwarder;
    this.links = links;
    this.holders = holders;
    this.callbacks = callbacks;
  }

  /** A search that starts {@code walkers} random walks, or floods the network with 0. */
  CompletableFuture<List<SearchHit>> search(String query, Duration deadline,
      Consumer<SearchHit> onHit, int walkers) {
    Merger merged = new Merger(onHit);
    for (SearchResult r : catalog.search(query, QueryForwarder.MAX_HITS)) {
      merged.add(r.track(), List.of(ctx.self()), r.score());
    }
    List<String> terms = new ArrayList<>();
    for (String t : query.trim().split("\\s+")) {
      if (!t.isEmpty() && terms.size() < QueryForwarder.MAX_TERMS) {
        terms.add(t.codePointCount(0, t.length()) > QueryForwarder.MAX_TERM_LENGTH
            ? t.substring(0, t.offsetByCodePoints(0, QueryForwarder.MAX_TERM_LENGTH)) : t);
      }
    }
    if (terms.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    byte[] queryId = new byte[16];
    ctx.random.nextBytes(queryId);
    SearchQuery asked = SearchQuery.newBuilder()
        .setQueryId(ByteString.copyFrom(queryId)).addAllTerms(terms).setTtl(QueryRouter.MAX_TTL)
        .setWalkers(walkers).setMaxResults(QueryForwarder.MAX_HITS).build();
    CompletableFuture<Void> enough = new CompletableFuture<>();
    Set<InetSocketAddress> warmed = ConcurrentHashMap.newKeySet();
    BiConsumer<PeerId, SearchHits> onHits = (from, answer) -> {
      // Within the protocol's limits only: a peer that answers with more is not believed further.
      List<io.loudp2p.core.proto.v1.SearchHit> got = answer.getHitsList();
      for (io.loudp2p.core.proto.v1.SearchHit hit
          : got.subList(0, Math.min(QueryForwarder.MAX_HITS, got.size()))) {
        if (hit.getTrackId().size() != TrackId.LENGTH) {
          continue;
        }
        TrackId track = TrackId.fromBytes(hit.getTrackId().toByteArray());
        List<PeerId> sources = new ArrayList<>();
        List<Envelope> listed = hit.getSourcesList();
        for (Envelope source
            : listed.subList(0, Math.min(QueryForwarder.MAX_SOURCES_PER_HIT, listed.size()))) {
          // Learnt in the table within the caps of the peer that passed the hits on.
          SignedPeerRecord r = store.offer(source, PeerStore.Provenance.relayed(from));
          if (r != null) {
            sources.add(r.peerId());
          }
        }
        if (sources.isEmpty()) {
          continue;
        }
        holders.add(track, sources);
        warm(sources, warmed);
        if (merged.add(new Track(track, hit.getSize(), info(hit.getMetadata())), sources,
            hit.getScore()) >= QueryForwarder.MAX_HITS) {
          enough.complete(null);
        }
      }
    };
    CompletableFuture<Void> asking;
    if (roles.full()) {
      Set<PeerId> tried = ConcurrentHashMap.newKeySet();
      tried.add(ctx.self());
      CompletableFuture<Void> first = walk(asked, tried, onHits);
      // Walks can meet peers that take them, acknowledge them and forward nothing (an attacker's
      // identities can be many): when the first wave has found nothing once it ended, or after
      // SECOND_WAVE_AFTER, a second goes out under a new query ID to neighbours not yet asked.
      AtomicBoolean second = new AtomicBoolean();
      CompletableFuture<Void> again = new CompletableFuture<>();
      Runnable secondWave = () -> {
        if (!merged.isEmpty() || ctx.closed() || !second.compareAndSet(false, true)) {
          again.complete(null);
          return;
        }
        byte[] otherId = new byte[16];
        ctx.random.nextBytes(otherId);
        walk(asked.toBuilder().setQueryId(ByteString.copyFrom(otherId)).build(), tried, onHits)
            .whenComplete((v, t) -> again.complete(null));
      };
      first.whenComplete((v, t) -> secondWave.run());
      if (deadline.compareTo(SECOND_WAVE_AFTER) > 0
          && !ctx.schedule(secondWave, SECOND_WAVE_AFTER.toMillis())) {
        again.complete(null); // closing
      }
      asking = again;
    } else {
      asking = delegate(asked, onHits, 0, ConcurrentHashMap.newKeySet());
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture.anyOf(asking, enough).whenComplete((v, t) -> done.complete(null));
    if (!ctx.schedule(() -> done.complete(null), deadline.toMillis())) {
      done.complete(null); // the peer is closing: what came so far is the answer
    }
    return done.thenApply(v -> merged.hits());
  }

  /** Routes this peer's own query to neighbours not in {@code tried}; completes when all end. */
  private CompletableFuture<Void> walk(SearchQuery query, Set<PeerId> tried,
      BiConsumer<PeerId, SearchHits> onHits) {
    List<NodeRecord> untried = new ArrayList<>();
    for (NodeRecord n : store.fullNeighbours()) {
      if (!tried.contains(n.id())) {
        untried.add(n);
      }
    }
    QueryRouter.Decision d = store.router().route(query, null, NO_UPSTREAM, untried, ctx.nowMs());
    for (QueryRouter.Forward f : d.forwards()) {
      tried.add(f.to());
    }
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (QueryRouter.Forward f : d.forwards()) {
      calls.add(forwarder.forwardOrReroute(f, tried, onHits));
    }
    return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]));
  }

  /** A LIGHT peer hands its query to its first FULL link, and to the next when that one fails. */
  private CompletableFuture<Void> delegate(SearchQuery query, BiConsumer<PeerId, SearchHits> onHits,
      int attempt, Set<PeerId> tried) {
    links.refresh();
    NodeRecord link = null;
    for (NodeRecord l : store.links().current()) {
      if (!tried.contains(l.id())) {
        link = l;
        break;
      }
    }
    if (link == null || attempt > LightLinks.LINKS) {
      return CompletableFuture.completedFuture(null);
    }
    tried.add(link.id());
    PeerId linked = link.id();
    // A link that does not answer within a second is not waited for: the next one is asked too.
    CompletableFuture<Void> next = new CompletableFuture<>();
    AtomicBoolean moved = new AtomicBoolean();
    Runnable moveOn = () -> {
      if (moved.compareAndSet(false, true)) {
        // Silent or failed: no longer a link, so that the next attempt may draw a new one from the
        // view when every link was tried (they all left at once, say).
        store.links().failed(linked);
        delegate(query, onHits, attempt + 1, tried).whenComplete((v, t) -> next.complete(null));
      }
    };
    return forwarder.forward(new QueryRouter.Forward(linked, query), onHits, moveOn)
        .thenCompose(ok -> {
          if (!ok) {
            store.view().remove(linked);
            // Dropped again: while it kept silent it may have been drawn back as a link.
            store.links().failed(linked);
            moveOn.run();
          }
          return moved.get() ? next : CompletableFuture.<Void>completedFuture(null);
        });
  }

  /**
   * The hits of one search, merged by track as they come. The user's listener hears each new or
   * better hit on the callback executor, outside the lock, in the order the hits were merged.
   */
  private final class Merger {
    private final Consumer<SearchHit> onHit;
    /** Guarded by this. */
    private final Map<TrackId, Merged> merged = new LinkedHashMap<>();

    Merger(Consumer<SearchHit> onHit) {
      this.onHit = onHit;
    }

    /** Adds a track's sources; returns how many tracks the search has found so far. */
    int add(Track track, List<PeerId> sources, float score) {
      List<SearchHit> changed = new ArrayList<>();
      int size;
      synchronized (this) {
        Merged m = merged.computeIfAbsent(track.id(), id -> new Merged(track, score));
        for (PeerId source : sources) {
          boolean news = m.sources.add(source);
          if (score > m.score) {
            m.score = score;
            m.track = track;
            news = true;
          }
          if (news) {
            changed.add(m.hit());
          }
        }
        size = merged.size();
      }
      for (SearchHit h : changed) {
        callbacks.execute(() -> {
          try {
            onHit.accept(h);
          } catch (RuntimeException e) {
            throttled.warn("search hit listener failed", e);
          }
        });
      }
      return size;
    }

    synchronized boolean isEmpty() {
      return merged.isEmpty();
    }

    synchronized List<SearchHit> hits() {
      List<SearchHit> out = new ArrayList<>();
      for (Merged m : merged.values()) {
        out.add(m.hit());
      }
      out.sort(Comparator.comparingDouble(SearchHit::score).reversed());
      return out;
    }
  }

  /** Starts connecting to the holders of a hit, within {@link #MAX_WARMED} per search. */
  private void warm(List<PeerId> sources, Set<InetSocketAddress> warmed) {
    for (PeerId id : sources) {
      if (id.equals(ctx.self()) || warmed.size() >= MAX_WARMED) {
        continue;
      }
      store.table().get(id).map(PeerTable.Entry::control).ifPresent(at -> {
        if (warmed.size() < MAX_WARMED && warmed.add(at)) {
          client.connect(at, id);
        }
      });
    }
  }

  private static final class Merged {
    Track track;
    final Set<PeerId> sources = new LinkedHashSet<>();
    float score;

    Merged(Track track, float score) {
      this.track = track;
      this.score = score;
    }

    SearchHit hit() {
      return new SearchHit(track, new ArrayList<>(sources), score);
    }
  }

  /** A track's information as a hit or a listing states it. */
  static TrackInfo info(TrackMetadata m) {
    return TrackInfo.builder(m.getTitle().isEmpty() ? "(untitled)" : m.getTitle())
        .artist(m.getArtist())
        .album(m.getAlbum())
        .trackNumber(m.getTrackNumber())
        .duration(Duration.ofMillis(m.getDurationMs()))
        .codec(m.getCodec())
        .bitrateKbps(m.getBitrateKbps())
        .sampleRateHz(m.getSampleRateHz())
        .mediaType(m.getMediaType())
        .build();
  }
}
