package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import io.loudp2p.Loudp2pException;
import io.loudp2p.PeerId;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.LocalCatalog;
import io.loudp2p.core.catalog.LocalContent;
import io.loudp2p.core.proto.v1.ListTracks;
import io.loudp2p.core.proto.v1.ListedTrack;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.TrackList;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * What a peer shares, page by page (PROTOCOL.md section 5, {@code ListTracks}): answers other
 * peers' page requests from the local catalog, and gathers every page of another peer's. Pages are
 * in the order of the track IDs and each starts after the last ID of the page before, so that a
 * catalog that changes between two pages lists no track twice. Thread-safe.
 */
final class CatalogListing {
  /** Tracks a page holds at most; a request for more, or for none, is refused MALFORMED. */
  static final int MAX_PAGE = 100;
  /** Tracks one listing of another peer gathers at most (100 full pages); the rest are left out. */
  static final int MAX_LISTED = 10_000;

  private final PeerContext ctx;
  private final LocalCatalog catalog;
  private final ControlClient client;
  private final PeerStore store;

  CatalogListing(PeerContext ctx, LocalCatalog catalog, ControlClient client, PeerStore store) {
    this.ctx = ctx;
    this.catalog = catalog;
    this.client = client;
    this.store = store;
  }

  /** Answers a page request with the tracks of this peer's shared folders. */
  void answer(SignedMessage request, ControlResponder responder) {
    ListTracks ask = request.payload().getListTracks();
    if (ask.getLimit() < 1 || ask.getLimit() > MAX_PAGE) {
      responder.fail(ControlErrorCode.MALFORMED, "a page holds 1 to " + MAX_PAGE + " tracks, not "
          + Integer.toUnsignedString(ask.getLimit()));
      return;
    }
    TrackId after = null;
    if (!ask.getAfter().isEmpty()) {
      if (ask.getAfter().size() != TrackId.LENGTH) {
        responder.fail(ControlErrorCode.MALFORMED, "'after' is " + ask.getAfter().size()
            + " bytes, not a " + TrackId.LENGTH + "-byte track ID");
        return;
      }
      after = TrackId.fromBytes(ask.getAfter().toByteArray());
    }
    TrackList.Builder page = TrackList.newBuilder().setTotal(catalog.size());
    for (Track t : catalog.tracksAfter(after, ask.getLimit())) {
      page.addTracks(ListedTrack.newBuilder()
          .setTrackId(ByteString.copyFrom(t.id().bytes()))
          .setSize(t.size())
          .setMetadata(LocalContent.metadata(t.info())));
    }
    responder.reply(ctx.seal(Payload.newBuilder().setTrackList(page)));
  }

  /**
   * Every track {@code peer} shares, in the order of their IDs, at most {@link #MAX_LISTED}.
   *
   * @return fails NOT_FOUND (as a {@link Loudp2pException}) when {@code peer} is not in this
   *     peer's table with an address, or as the calls failed; MALFORMED when a page breaks the
   *     rules (too long, out of order, not after the page before)
   */
  CompletableFuture<List<Track>> tracksOf(PeerId peer) {
    Optional<PeerTable.Entry> known = store.table().get(peer);
    InetSocketAddress at = known.map(PeerTable.Entry::control).orElse(null);
    if (at == null) {
      return CompletableFuture.failedFuture(new Loudp2pException(Loudp2pException.Code.NOT_FOUND,
          "peer " + peer + " is not known here with an address; bootstrap from it or search"
              + " first"));
    }
    return page(at, peer, null, new ArrayList<>());
  }

  private CompletableFuture<List<Track>> page(InetSocketAddress at, PeerId peer,
      @Nullable TrackId after, List<Track> gathered) {
    ListTracks.Builder ask = ListTracks.newBuilder().setLimit(MAX_PAGE);
    if (after != null) {
      ask.setAfter(ByteString.copyFrom(after.bytes()));
    }
    return client.call(at, ControlMethod.LIST_TRACKS, Payload.newBuilder().setListTracks(ask), peer,
            ctx.config.callDeadline())
        .thenCompose(answer -> {
          List<ListedTrack> tracks = answer.payload().getTrackList().getTracksList();
          if (tracks.size() > MAX_PAGE) {
            throw malformed(peer, "a page of " + tracks.size() + " tracks");
          }
          TrackId last = after;
          for (ListedTrack t : tracks) {
            if (t.getTrackId().size() != TrackId.LENGTH) {
              throw malformed(peer, "a track ID of " + t.getTrackId().size() + " bytes");
            }
            TrackId id = TrackId.fromBytes(t.getTrackId().toByteArray());
            if (last != null && id.compareTo(last) <= 0) {
              throw malformed(peer, "track " + id + " out of order");
            }
            last = id;
            if (gathered.size() < MAX_LISTED) {
              try {
                gathered.add(new Track(id, t.getSize(), SearchClient.info(t.getMetadata())));
              } catch (IllegalArgumentException e) {
                throw malformed(peer, "track " + id + " with " + e.getMessage());
              }
            }
          }
          if (tracks.size() < MAX_PAGE || gathered.size() >= MAX_LISTED) {
            return CompletableFuture.completedFuture(gathered);
          }
          return page(at, peer, last, gathered);
        });
  }

  private static ControlException malformed(PeerId peer, String what) {
    return new ControlException(ControlErrorCode.MALFORMED,
        peer + " listed " + what + "; a listing's pages follow the order of the track IDs");
  }
}
