package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import io.loudp2p.Loudp2pException;
import io.loudp2p.Loudp2pException.Code;
import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.LocalContent;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.content.ManifestException;
import io.loudp2p.core.internal.ApiErrors;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.peer.SourceOpener.Opened;
import io.loudp2p.core.peer.SourceOpener.Opens;
import io.loudp2p.core.proto.v1.ChunkMap;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.ManifestRequest;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.StreamAccept;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.core.proto.v1.TrackMetadata;
import io.loudp2p.core.stream.internal.DefaultChunkScheduler;
import io.loudp2p.core.stream.internal.RealStreamSession;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransportDescriptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of streaming: finds holders of a track, fetches and checks its manifest,
 * opens a session at every holder that accepts, and starts a stream session over them, whose
 * chunks are written to the cache on the disk executor (never the timer). Owns the open stream
 * sessions; thread-safe.
 */
final class StreamOpener {
  private static final Logger log = LoggerFactory.getLogger(Loggers.STREAM);
  private static final Logger cacheLog = LoggerFactory.getLogger(Loggers.CACHE);
  /** For chunk writes, which a full or failing disk fails one by one. */

  /** Playback rate assumed when a track's metadata gives none: 320 kbit/s. */
  static final long DEFAULT_BITRATE_BYTES = 40_000;
  /** How many full peers a stream of a track no search has named asks for its manifest. */
  static final int LOCATE_FANOUT = 16;

  private final PeerContext ctx;
  private final ControlClient client;
  private final PeerStore store;
  private final Holders holders;
  private final PeerTransports transports;
  private final @Nullable ChunkCache cache;
  private final Executor disk;
  private final SourceOpener sourceOpener;
  private final RelayFailover failover;
  /** Moves relayed sources to direct paths once a punch can work. */
  private final DirectUpgrade upgrade;
  private final LocalContent content;
  /** Reads this peer's own copies of tracks for its stream sessions, one chunk at a time. */
  private final Executor localReader;
  private final List<StreamSession> sessions = new CopyOnWriteArrayList<>();
  /** The sources' vote on each track's size: when a session starts, and when it is refuted. */
  private final SizeVote sizeVote = new SizeVote(this::forgetCached);

  StreamOpener(PeerContext ctx, ControlClient client, PeerStore store, Holders holders,
      PeerTransports transports, LocalContent content, @Nullable ChunkCache cache, Executor disk,
      Executor localReader, HolePunching punching) {
    this.ctx = ctx;
    this.client = client;
    this.store = store;
    this.holders = holders;
    this.transports = transports;
    this.cache = cache;
    this.disk = disk;
    this.sourceOpener = new SourceOpener(ctx, client, transports, punching);
    this.failover = new RelayFailover(client, store, sourceOpener);
    this.upgrade = new DirectUpgrade(ctx, store, sourceOpener, punching);
    this.content = content;
    this.localReader = localReader;
  }

  /**
   * Streams a track from the holders a search named, or, when none is known, from those of up to
   * {@link #LOCATE_FANOUT} full peers that hold it. Each source is asked to open a session while
   * the manifest is on its way (an open needs only the track ID), so that the first chunk is one
   * round trip nearer than it would be after the manifest.
   */
  CompletableFuture<StreamSession> stream(TrackId track, StreamSession.Listener listener) {
    Optional<Manifest> local = content.manifest(track);
    if (local.isPresent() && sizeVote.contested(track) && !content.shares(track)) {
      local = Optional.empty(); // a manifest the sources refuted, still in the cache
    }
    if (local.isPresent()) {
      try {
        return CompletableFuture.completedFuture(streamLocal(local.get(), listener));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(ApiErrors.of(e));
      }
    }
    List<PeerTable.Entry> sources = knownHolders(track);
    if (sources.isEmpty()) {
      return locate(track, listener);
    }
    return start(track, sources.size(), sourceOpener.opens(track, sources, true),
        fetchManifest(track, sources, 0, null), listener);
  }

  /** The holders of {@code track} a search named that can be called. */
  private List<PeerTable.Entry> knownHolders(TrackId track) {
    List<PeerTable.Entry> sources = new ArrayList<>();
    for (PeerId id : holders.of(track)) {
      store.table().get(id).filter(e -> e.control() != null).ifPresent(sources::add);
    }
    return sources;
  }

  /**
   * Streams a track this peer holds, all or part of it (its shared file, or its cache), from disk
   * first: the session starts at once with this peer's own copy as a source, with the manifest it
   * checked when it first fetched the track (no vote on the size: nothing is asked of anyone). A
   * whole track needs no network at all; for a partial one, the holders a search named (else up
   * to {@link #LOCATE_FANOUT} full peers) are asked to open sessions too, and join as they accept:
   * the session fetches from them only what the disk lacks.
   */
  private StreamSession streamLocal(Manifest manifest, StreamSession.Listener listener) {
    TrackId track = manifest.trackId();
    BitSet have = content.availability(track);
    boolean whole = have.cardinality() >= manifest.chunkCount();
    // A whole copy with a chunk that no longer reads (damaged on disk) asks peers after all.
    AtomicReference<@Nullable RealStreamSession> started = new AtomicReference<>();
    RealStreamSession.Source local = LocalSource.of(ctx.self(), content, track,
        whole ? null : have, localReader, () -> {
          RealStreamSession session = started.get();
          if (session != null && whole) {
            List<CompletableFuture<@Nullable Opened>> asked = askPeers(track, true);
            session.expectSources(asked.size());
            join(session, manifest, asked, null);
          }
        });
    List<CompletableFuture<@Nullable Opened>> pending =
        whole ? List.of() : askPeers(track, !have.get(0));
    log.info("playing {} from this peer's {} ({} of {} chunks{})", track,
        content.shares(track) ? "shared file" : "cache", have.cardinality(),
        manifest.chunkCount(), whole ? "" : ", the rest from " + pending.size() + " peers");
    RealStreamSession session =
        startSession(manifest, local, have, List.of(), pending, listener, null);
    started.set(session);
    return session;
  }

  /**
   * Asks the holders of {@code track} a search named, else up to {@link #LOCATE_FANOUT} full
   * peers, to open sessions; the first chunks early when {@code askFirstChunks}.
   */
  private List<CompletableFuture<@Nullable Opened>> askPeers(TrackId track,
      boolean askFirstChunks) {
    List<PeerTable.Entry> sources = knownHolders(track);
    if (sources.isEmpty()) {
      sources = someFullPeers();
    }
    return new ArrayList<>(sourceOpener.opens(track, sources, askFirstChunks).each());
  }

  /** Up to {@link #LOCATE_FANOUT} full peers of the table, drawn at random. */
  private List<PeerTable.Entry> someFullPeers() {
    List<PeerTable.Entry> shuffled = store.fullPeers();
    Collections.shuffle(shuffled, ctx.random);
    return shuffled.subList(0, Math.min(LOCATE_FANOUT, shuffled.size()));
  }

  /**
   * Verified chunk bytes taken in by transport: those of the sessions that ended, and so far of
   * those that play now.
   */
  Map<String, Long> received() {
    synchronized (sessions) {
      Map<String, Long> out = new java.util.TreeMap<>(ctx.counters.received());
      for (StreamSession s : sessions) {
        for (SourceStats src : s.sources()) {
          out.merge(src.transport(), src.bytes(), Long::sum);
        }
      }
      return out;
    }
  }

  /**
   * This peer's UDP mapping was observed: the relayed sources of running sessions may be reached
   * directly now ({@link DirectUpgrade}).
   */
  void mappingObserved() {
    upgrade.mappingObserved();
  }

  /** Closes every open stream session. */
  void close() {
    for (StreamSession s : sessions) {
      s.close();
    }
  }

  /**
   * Streams a track no search has named: asks up to {@link #LOCATE_FANOUT} full peers of the
   * table for its manifest and, at once, to open a session; the holders are those that give a
   * valid manifest, and the sources those holders that accepted.
   */
  private CompletableFuture<StreamSession> locate(TrackId track, StreamSession.Listener listener) {
    List<PeerTable.Entry> asked = someFullPeers();
    List<CompletableFuture<@Nullable Manifest>> answers = new ArrayList<>();
    for (PeerTable.Entry e : asked) {
      answers.add(fetchManifest(track, List.of(e), 0, null).handle((m, t) -> t == null ? m : null));
    }
    Opens opens = sourceOpener.opens(track, asked, true);
    return CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0])).thenCompose(v -> {
      Manifest first = null;
      int found = 0;
      for (int i = 0; i < answers.size(); i++) {
        Manifest m = answers.get(i).join();
        if (m != null) {
          found++;
          holders.add(track, List.of(asked.get(i).record().peerId()));
          first = first == null ? m : first;
        } else {
          opens.drop(i); // no holder of the track, or a liar about it
        }
      }
      if (first == null) {
        return CompletableFuture.failedFuture(new Loudp2pException(Code.NOT_FOUND,
            "no known peer holds track " + track + " (asked " + asked.size()
                + " peers); search for it first"));
      }
      return start(track, found, opens, CompletableFuture.completedFuture(first), listener);
    });
  }

  /**
   * Starts the session once the manifest is in and one source that accepted agrees with its size
   * ({@link SizeVote#startWhen}): a source on a new connection answers a round trip or two after
   * one on a connection a search opened, and the first chunk need not wait for it. The sources
   * that accept later join the running session, and go on voting on the track's size ({@link
   * SizeVote#check}), which ends the session if they outvote its manifest.
   */
  private CompletableFuture<StreamSession> start(TrackId track, int asked, Opens opens,
      CompletableFuture<Manifest> manifestOf, StreamSession.Listener listener) {
    return manifestOf.thenCompose(m -> sizeVote.startWhen(track, opens, m.size())
        .thenApply(v -> m)).thenCompose(manifest -> {
      List<Opened> ready = new ArrayList<>();
      List<CompletableFuture<@Nullable Opened>> pending = new ArrayList<>();
      for (CompletableFuture<@Nullable Opened> f : opens.each()) {
        if (!f.isDone()) {
          pending.add(f);
        } else if (f.join() != null) {
          ready.add(f.join());
        }
      }
      if (ready.isEmpty()) {
        throw failure("none of the " + asked + " peers holding " + track
            + " accepted a session", opens.refused().get());
      }
      return agreedManifest(track, manifest, ready).<StreamSession>thenApply(agreed -> {
        return startSession(agreed, null, new BitSet(), ready, pending, listener, opens);
      });
    }).whenComplete((session, t) -> {
      if (t != null) {
        opens.abandonAll(); // no stream session will read what was opened
      }
    });
  }

  /**
   * The manifest whose size most sources state. The track ID commits to the chunks but not, on
   * its own, to the size a manifest states: a manifest that lies about it would make the last
   * chunk fail at every honest source. When the sources outvote the manifest, the manifest of one
   * that agrees with them is fetched instead.
   */
  private CompletableFuture<Manifest> agreedManifest(TrackId track, Manifest manifest,
      List<Opened> ready) {
    long agreed = SizeVote.majoritySize(ready, manifest.size());
    if (agreed == manifest.size()) {
      return CompletableFuture.completedFuture(manifest);
    }
    List<PeerTable.Entry> agreeing = new ArrayList<>();
    for (Opened o : ready) {
      if (o.size() == agreed) {
        agreeing.add(o.entry());
      }
    }
    log.warn("the manifest of {} states {} bytes; {} of {} sources state {}: fetching theirs",
        track, manifest.size(), agreeing.size(), ready.size(), agreed);
    return fetchManifest(track, agreeing, 0, null).thenApply(m -> {
      if (m.size() != agreed) {
        throw new ControlException(ControlErrorCode.MALFORMED, "the sources of " + track
            + " disagree about its size; none gave a manifest of the size most of them state");
      }
      return m;
    });
  }

  /**
   * Starts a stream session over {@code local} (this peer's own copy, holding {@code have}; null
   * when it holds nothing) and the sources that accepted and agree with the manifest's size; the
   * {@code pending} ones join as they accept, and go on with the size {@code vote} of all the
   * sources asked when there is one (a manifest this peer checked before needs none).
   */
  private RealStreamSession startSession(Manifest manifest, RealStreamSession.@Nullable Source local,
      BitSet have, List<Opened> ready, List<CompletableFuture<@Nullable Opened>> pending,
      StreamSession.Listener listener, @Nullable Opens vote) {
    List<RealStreamSession.Source> agreeing = new ArrayList<>();
    if (local != null) {
      agreeing.add(local);
    }
    for (Opened o : ready) {
      if (SizeVote.agrees(o, manifest)) {
        agreeing.add(o.source());
      } else {
        o.abandon();
      }
    }
    if (agreeing.isEmpty()) {
      throw new ControlException(ControlErrorCode.MALFORMED,
          "no source of " + manifest.trackId() + " agrees with its manifest's size");
    }
    // A track this peer shares is on disk already: nothing of it goes to the cache.
    boolean shared = content.shares(manifest.trackId());
    ChunkCache.@Nullable Lease lease = shared ? null : keepInCache(manifest);
    RealStreamSession session = new RealStreamSession(manifest, agreeing, pending.size(),
        () -> new DefaultChunkScheduler(Math.max(1, manifest.size()), bitrate(manifest)),
        listener, shared ? RealStreamSession.ChunkSink.NONE : cacheSink(manifest, have),
        ctx.runtime.nanoTime());
    session.replaceLostSources(failover.forSession(session, manifest));
    upgrade.watch(session, manifest);
    sessions.add(session);
    ctx.counters.sessionsPlayed.increment();
    if (local == null) { // this peer's own copy says where it plays from in its own line
      log.info("playing {} from {} peers{}", manifest.trackId(), agreeing.size(),
          pending.isEmpty() ? "" : ", " + pending.size() + " more may join");
    }
    session.completion().whenComplete((r, t) -> {
      synchronized (sessions) { // its bytes move from the live count to the ended one at once
        sessions.remove(session);
        for (SourceStats src : session.sources()) {
          ctx.counters.received(src.transport(), src.bytes());
        }
      }
      if (lease != null) {
        lease.close();
      }
    });
    join(session, manifest, pending, vote);
    return session;
  }

  /**
   * Adds each of {@code pending} to {@code session} once it accepted, or gives it up; with a
   * {@code vote}, first lets its answer count there ({@link SizeVote#check}).
   */
  private void join(RealStreamSession session, Manifest manifest,
      List<CompletableFuture<@Nullable Opened>> pending, @Nullable Opens vote) {
    for (CompletableFuture<@Nullable Opened> f : pending) {
      SourceOpener.joinWhenOpen(session, f, o -> {
        if (vote != null) {
          sizeVote.check(session, manifest, vote);
        }
        return o == null ? "it did not accept a session" : SizeVote.agrees(o, manifest) ? null
            : "it states " + o.size() + " bytes for the track, not " + manifest.size();
      }, s -> s);
    }
  }

  /**
   * A failure that says {@code what} happened, with the code the API gives {@code last}, the last
   * peer's failure (UNAVAILABLE when there was none).
   */
  private static Loudp2pException failure(String what, @Nullable Throwable last) {
    if (last == null) {
      return new Loudp2pException(Code.UNAVAILABLE, what);
    }
    Loudp2pException mapped = ApiErrors.of(last);
    return new Loudp2pException(mapped.code(), what + " (last: " + mapped.getMessage() + ")",
        ApiErrors.unwrap(last));
  }

  private CompletableFuture<Manifest> fetchManifest(TrackId track, List<PeerTable.Entry> sources,
      int i, @Nullable Throwable last) {
    if (i >= sources.size()) {
      return CompletableFuture.failedFuture(
          failure("no peer gave a valid manifest of " + track, last));
    }
    PeerTable.Entry source = sources.get(i);
    return client.call(source.control(), ControlMethod.GET_MANIFEST,
            Payload.newBuilder().setManifestRequest(
                ManifestRequest.newBuilder().setTrackId(ByteString.copyFrom(track.bytes()))),
            source.record().peerId(), ctx.config.callDeadline())
        .thenApply(answer -> {
          try {
            return Manifest.fromProto(answer.payload().getManifestResponse().getManifest(), track);
          } catch (ManifestException e) {
            throw new ControlException(ControlErrorCode.MALFORMED,
                "bad manifest: " + e.getMessage(), e);
          }
        })
        .handle((m, t) -> t == null ? CompletableFuture.completedFuture(m)
            : fetchManifest(track, sources, i + 1, t))
        .thenCompose(f -> f);
  }

  /** Adds a track about to be played to the cache, held there while it plays. */
  /**
   * Removes {@code track} from the cache, its manifest and chunks, on the disk executor: the
   * sources refuted the manifest a session of it played.
   */
  private void forgetCached(TrackId track) {
    ChunkCache c = cache;
    if (c == null || content.shares(track)) {
      return;
    }
    try {
      disk.execute(() -> {
        try {
          c.remove(track);
        } catch (IOException | IllegalStateException e) {
          cacheLog.warn("cannot remove {} from the cache: {}", track, e.getMessage());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      cacheLog.debug("not removing {} from the cache: the peer is closing", track);
    }
  }

  private ChunkCache.@Nullable Lease keepInCache(Manifest manifest) {
    ChunkCache c = cache;
    if (c == null) {
      return null;
    }
    try {
      c.put(manifest);
      c.markPlayed(manifest.trackId());
      return c.lease(manifest.trackId());
    } catch (IOException e) {
      cacheLog.warn("cannot cache {}: {}", manifest.trackId(), e.getMessage());
      return null;
    }
  }

  /**
   * Writes played chunks to the cache on the disk executor, in batches, but for those it held
   * already ({@code have}): a peer that played a track serves it, and plays it again from disk.
   */
  private RealStreamSession.ChunkSink cacheSink(Manifest manifest, BitSet have) {
    ChunkCache c = cache;
    if (c == null) {
      return RealStreamSession.ChunkSink.NONE;
    }
    return new CacheWriter(c, manifest.trackId(), have, disk);
  }

  private static long bitrate(Manifest manifest) {
    TrackMetadata m = manifest.metadata();
    if (m.getBitrateKbps() > 0) {
      return m.getBitrateKbps() * 1000L / 8;
    }
    if (m.getDurationMs() > 0) {
      return Math.max(1, manifest.size() * 1000 / m.getDurationMs());
    }
    return DEFAULT_BITRATE_BYTES;
  }
}
