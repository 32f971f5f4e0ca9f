package io.loudp2p.core.peer;

import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.LocalCatalog;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.network.KeywordSummary;
import io.loudp2p.core.proto.v1.TrackMetadata;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyword summary (a Bloom filter) of what this peer holds, which a FULL peer sends its
 * neighbours so they can route queries to it. Owns the summary and what it was made from;
 * thread-safe.
 */
final class Summaries {
  private static final Logger log = LoggerFactory.getLogger(Loggers.SEARCH);

  private final LocalCatalog catalog;
  private final @Nullable ChunkCache cache;
  private final RoleState roles;
  private volatile @Nullable KeywordSummary summary;
  private volatile int summarizedCatalog = -1;
  private volatile int summarizedCache = -1;
  /** Whether the last summary was left out as overfull: said once, not at every change. */
  private volatile boolean overfull;

  Summaries(LocalCatalog catalog, @Nullable ChunkCache cache, RoleState roles) {
    this.catalog = catalog;
    this.cache = cache;
    this.roles = roles;
  }

  /** The summary to send with this peer's record: a FULL peer's only. */
  io.loudp2p.core.proto.v1.@Nullable KeywordSummary toSend() {
    KeywordSummary s = summary;
    return roles.full() && s != null ? s.toProto() : null;
  }

  /** Whether the catalog or the cache changed since the last summary. */
  boolean stale() {
    return catalog.size() != summarizedCatalog
        || (cache != null ? cache.tracks().size() : 0) != summarizedCache;
  }

  /** Summarizes the keywords of the catalog and the cache, for neighbours' routing. */
  void summarize() {
    List<String> texts = new ArrayList<>();
    for (Track t : catalog.tracks()) {
      texts.add(t.info().title() + " " + t.info().artist() + " " + t.info().album());
    }
    summarizedCatalog = catalog.size();
    int cached = 0;
    if (cache != null) {
      for (TrackId id : cache.tracks()) {
        Manifest m = cache.manifest(id);
        cached++;
        if (m != null) {
          TrackMetadata md = m.metadata();
          texts.add(md.getTitle() + " " + md.getArtist() + " " + md.getAlbum());
        }
      }
    }
    summarizedCache = cached;
    KeywordSummary s = KeywordSummary.of(texts);
    if (s.overfull()) {
      if (!overfull) {
        log.info("{} tracks are too many keywords for a summary; neighbours reach this peer by"
            + " random walks", texts.size());
      }
      s = null;
    }
    overfull = s == null;
    summary = s;
  }
}
