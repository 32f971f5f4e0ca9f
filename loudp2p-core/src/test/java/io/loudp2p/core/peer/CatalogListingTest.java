package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.Loudp2pException;
import io.loudp2p.Peer;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.ListTracks;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.InMemoryTransport;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.core.testing.VirtualPeers;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer lists what another shares ({@code ListTracks}): every track, page by page in the order
 * of their IDs, and a page request outside the protocol's limits is refused MALFORMED.
 */
class CatalogListingTest {
  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(21)
      .delivery(InMemoryNetwork.Delivery.MANUAL).build();
  private final VirtualPeers peers = new VirtualPeers(network, 21);
  @TempDir Path tmp;

  @AfterEach
  void tearDown() {
    peers.close();
  }

  private VirtualPeers.Made holderOf(int songs) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("music"));
    for (int i = 0; i < songs; i++) {
      Files.write(dir.resolve("song" + i + ".wav"), TestAudio.noiseWavOfBytes(1024, i));
    }
    VirtualPeers.Made holder = peers.add(Peer.builder().share(dir));
    holder.peer().start();
    assertThat(holder.peer().catalog().ready().get(30, TimeUnit.SECONDS).added()).isEqualTo(songs);
    return holder;
  }

  @Test
  void aPeerListsEveryTrackAnotherSharesInPagesOfAHundred() throws Exception {
    VirtualPeers.Made holder = holderOf(CatalogListing.MAX_PAGE * 2 + 17);
    Peer asker = peers.add(Peer.builder().bootstrap(holder.address())).peer().start();
    network.runFor(Duration.ofSeconds(5));
    List<Integer> pageRequests = new ArrayList<>();
    network.observeControl(m -> {
      if (m.length > 0 && RealPeerOverlayTest.body(m).hasListTracks()) {
        pageRequests.add(RealPeerOverlayTest.body(m).getListTracks().getLimit());
      }
    });

    CompletableFuture<List<Track>> listed = asker.tracksOf(holder.peer().id());
    network.runFor(Duration.ofSeconds(5));

    assertThat(listed).isCompleted();
    List<TrackId> ids = listed.join().stream().map(Track::id).toList();
    assertThat(ids).hasSize(CatalogListing.MAX_PAGE * 2 + 17).doesNotHaveDuplicates()
        .isSortedAccordingTo(Comparator.naturalOrder());
    List<TrackId> shared = new ArrayList<>();
    for (int i = 0; i < CatalogListing.MAX_PAGE * 2 + 17; i++) {
      shared.add(holder.peer().catalog().search("song" + i, 1).get(0).track().id());
    }
    assertThat(ids).containsExactlyInAnyOrderElementsOf(shared);
    assertThat(listed.join().get(0).info().title()).startsWith("song");
    assertThat(pageRequests).containsExactly(100, 100, 100);
  }

  @Test
  void aPeerThatSharesNothingListsNothingAndAnUnknownPeerIsNotFound() throws Exception {
    VirtualPeers.Made empty = peers.add(Peer.builder());
    empty.peer().start();
    Peer asker = peers.add(Peer.builder().bootstrap(empty.address())).peer().start();
    network.runFor(Duration.ofSeconds(5));

    CompletableFuture<List<Track>> listed = asker.tracksOf(empty.peer().id());
    network.runFor(Duration.ofSeconds(5));
    assertThat(listed.join()).isEmpty();

    CompletableFuture<List<Track>> unknown = asker.tracksOf(Identity.generate().peerId());
    assertThat(unknown).isCompletedExceptionally();
    try {
      unknown.get();
    } catch (ExecutionException e) {
      assertThat(((Loudp2pException) e.getCause()).code()).isEqualTo(Loudp2pException.Code.NOT_FOUND);
    }
  }

  @Test
  void pageRequestsOutsideTheLimitsAreRefusedMalformed() throws Exception {
    VirtualPeers.Made holder = holderOf(3);
    EnvelopeSealer sealer = new EnvelopeSealer(Identity.generate(), peers.clock(), new Random(5));
    InMemoryTransport at = network.newTransport();
    List<ListTracks> bad = List.of(
        ListTracks.newBuilder().setLimit(0).build(),
        ListTracks.newBuilder().setLimit(CatalogListing.MAX_PAGE + 1).build(),
        ListTracks.newBuilder().setLimit(10).setAfter(ByteString.copyFrom(new byte[5])).build());
    for (ListTracks ask : bad) {
      CompletableFuture<byte[]> answer = at.call(holder.address(), ControlMethod.LIST_TRACKS,
          sealer.seal(Payload.newBuilder().setListTracks(ask)).toByteArray(), Duration.ofSeconds(5));
      network.runFor(Duration.ofSeconds(1));
      assertThat(answer).as("%s", ask).isCompletedExceptionally();
      try {
        answer.get();
      } catch (ExecutionException e) {
        assertThat(((ControlException) e.getCause()).code()).as("%s", ask)
            .isEqualTo(ControlErrorCode.MALFORMED);
      }
    }

    // Within the limits, a page after the first track holds the two others.
    List<TrackId> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(holder.peer().catalog().search("song" + i, 1).get(0).track().id());
    }
    ids.sort(Comparator.naturalOrder());
    CompletableFuture<byte[]> page = at.call(holder.address(), ControlMethod.LIST_TRACKS,
        sealer.seal(Payload.newBuilder().setListTracks(ListTracks.newBuilder().setLimit(10)
            .setAfter(ByteString.copyFrom(ids.get(0).bytes())))).toByteArray(),
        Duration.ofSeconds(5));
    network.runFor(Duration.ofSeconds(1));
    Payload answer = RealPeerOverlayTest.body(page.get());
    assertThat(answer.getTrackList().getTotal()).isEqualTo(3);
    assertThat(answer.getTrackList().getTracksList()).extracting(t -> TrackId.fromBytes(
        t.getTrackId().toByteArray())).containsExactly(ids.get(1), ids.get(2));
  }
}
