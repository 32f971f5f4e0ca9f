package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Loudp2pException;
import io.loudp2p.Loudp2pException.Code;
import io.loudp2p.Peer;
import io.loudp2p.ScanReport;
import io.loudp2p.SearchHit;
import io.loudp2p.TrackId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.InMemoryProviders;
import io.loudp2p.core.testing.InMemoryTransport;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.core.testing.VirtualPeers;
import io.loudp2p.core.testing.VirtualTimer;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an application sees of a core peer: its ID before it starts, shares indexed in the
 * background, and every failure of a future as a {@link Loudp2pException} with its code.
 */
class PeerApiTest {
  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(11)
      .delivery(InMemoryNetwork.Delivery.MANUAL).build();
  private final VirtualPeers peers = new VirtualPeers(network, 11);
  @TempDir Path tmp;

  @AfterEach
  void tearDown() {
    peers.close();
  }

  private static Loudp2pException failure(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    try {
      future.get(0, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(Loudp2pException.class);
      return (Loudp2pException) e.getCause();
    } catch (InterruptedException | TimeoutException | CancellationException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("did not fail");
  }

  private Path folderOfSongs(String name, int songs) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (int i = 0; i < songs; i++) {
      Files.write(dir.resolve("song" + i + ".wav"), TestAudio.noiseWavOfBytes(32 * 1024, i));
    }
    return dir;
  }

  @Test
  void theIdIsKnownBeforeStartAndStaysTheSame() throws Exception {
    Peer peer = peers.add(Peer.builder()).peer();
    var before = peer.id();
    peer.start();
    assertThat(peer.id()).isEqualTo(before);
    assertThat(peer.toString()).contains(before.toString());
  }

  @Test
  void anIdentityFileIsReadWhenThePeerIsBuilt() throws Exception {
    Path file = tmp.resolve("identity");
    try (Peer first = new CorePeerFactory().create(Peer.builder().identityFile(file).config())) {
      assertThat(file).exists();
      try (Peer again = new CorePeerFactory().create(Peer.builder().identityFile(file).config())) {
        assertThat(again.id()).isEqualTo(first.id());
      }
    }
  }

  @Test
  void aCorruptIdentityFileIsInvalidAndLeftAlone() throws Exception {
    Path file = tmp.resolve("identity");
    Files.write(file, new byte[] {1, 2, 3});
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> new CorePeerFactory().create(Peer.builder().identityFile(file).config()))
        .isInstanceOfSatisfying(Loudp2pException.class,
            e -> assertThat(e.code()).isEqualTo(Code.INVALID))
        .hasMessageContaining(file.toString());
    assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3);
  }

  @Test
  void aSharedFolderThatDoesNotExistFailsStartAsInvalid() {
    Peer peer = peers.add(Peer.builder().share(tmp.resolve("missing"))).peer();
    assertThatThrownBy(peer::start)
        .isInstanceOfSatisfying(Loudp2pException.class,
            e -> assertThat(e.code()).isEqualTo(Code.INVALID))
        .hasMessage("cannot share " + tmp.resolve("missing") + ": no such folder");
  }

  @Test
  void startReturnsBeforeTheSharesAreHashedAndReadyCompletesWithTheirCount() throws Exception {
    Path music = folderOfSongs("music", 5);
    Queue<Runnable> scans = new ArrayDeque<>();
    Executor held = scans::add; // the scan runs when the test says
    InMemoryTransport transport = network.newTransport();
    PeerRuntime runtime = new PeerRuntime(peers.clock(), network::nowNs,
        name -> new VirtualTimer(network), new Random(1), Identity::generate, false,
        new EnvelopeOpener.Cache(64, 64), ResourceGauge.IDLE, held);
    Peer.Config config = Peer.builder().share(music).config()
        .withListen(List.of(new InetSocketAddress(transport.host(), VirtualPeers.PORT)));
    try (Peer peer = CorePeerFactory.create(config, InMemoryProviders.registry(transport), runtime)) {
      peer.start();
      CompletableFuture<ScanReport> ready = peer.catalog().ready();
      assertThat(ready).isNotDone();
      assertThat(peer.catalog().size()).isZero();
      CompletableFuture<List<SearchHit>> early = peer.search("song0", Duration.ofSeconds(1), h -> { });
      network.runFor(Duration.ofSeconds(2));
      assertThat(early.get(0, TimeUnit.SECONDS)).isEmpty(); // answered from what is indexed: nothing

      assertThat(scans).hasSize(1);
      scans.remove().run();

      assertThat(ready.get(0, TimeUnit.SECONDS).added()).isEqualTo(5);
      assertThat(peer.catalog().size()).isEqualTo(5);
      assertThat(peer.catalog().ready().get(0, TimeUnit.SECONDS).added()).isEqualTo(5);
      CompletableFuture<List<SearchHit>> later = peer.search("song0", Duration.ofSeconds(1), h -> { });
      network.runFor(Duration.ofSeconds(2));
      assertThat(later.get(0, TimeUnit.SECONDS)).hasSize(1);
    }
  }

  @Test
  void closingBeforeTheSharesAreIndexedFailsReadyAsClosed() throws Exception {
    Queue<Runnable> scans = new ArrayDeque<>();
    InMemoryTransport transport = network.newTransport();
    PeerRuntime runtime = new PeerRuntime(peers.clock(), network::nowNs,
        name -> new VirtualTimer(network), new Random(2), Identity::generate, false,
        new EnvelopeOpener.Cache(64, 64), ResourceGauge.IDLE, scans::add);
    Peer.Config config = Peer.builder().share(folderOfSongs("music", 1)).config()
        .withListen(List.of(new InetSocketAddress(transport.host(), VirtualPeers.PORT)));
    Peer peer = CorePeerFactory.create(config, InMemoryProviders.registry(transport), runtime);
    peer.start();
    CompletableFuture<ScanReport> ready = peer.catalog().ready();
    peer.close();
    scans.remove().run();
    assertThat(failure(ready).code()).isEqualTo(Code.CLOSED);
  }

  @Test
  void streamingATrackNoPeerHoldsIsNotFound() throws Exception {
    Peer peer = peers.add(Peer.builder()).peer().start();
    CompletableFuture<?> stream = peer.stream(TrackId.fromBytes(new byte[32]));
    network.runFor(Duration.ofSeconds(10));
    Loudp2pException e = failure(stream);
    assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
    assertThat(e.getMessage()).contains("no known peer holds track");
  }

  @Test
  void aTrackStreamedByItsIdAloneAsksItsHolderForTheManifestOnce() throws Exception {
    VirtualPeers.Made holder = peers.add(Peer.builder().share(folderOfSongs("music", 1)));
    holder.peer().start();
    holder.peer().catalog().ready().get(10, TimeUnit.SECONDS);
    TrackId track = holder.peer().catalog().search("song0", 1).get(0).track().id();
    Peer asker = peers.add(Peer.builder().bootstrap(holder.address())).peer().start();
    network.runFor(Duration.ofSeconds(5));
    int[] manifestRequests = {0};
    network.observeControl(m -> {
      try {
        if (m.length > 0 && io.loudp2p.core.proto.v1.Payload.parseFrom(
            io.loudp2p.core.proto.v1.Envelope.parseFrom(m).getPayload()).hasManifestRequest()) {
          manifestRequests[0]++;
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        // Not a request of interest.
      }
    });

    // No search named a holder: the asker asks the peers it knows for the manifest, and the
    // holder's answer is the manifest the stream then uses (one round trip, not two).
    CompletableFuture<io.loudp2p.StreamSession> stream = asker.stream(track);
    network.runFor(Duration.ofSeconds(5));
    assertThat(stream).isCompleted();
    stream.join().close();
    assertThat(manifestRequests[0]).isEqualTo(1);
  }

  @Test
  void aStreamStartsOnTheHoldersThatAnswerAndDoesNotWaitForOneThatIsSilent() throws Exception {
    Path music = folderOfSongs("music", 1);
    VirtualPeers.Made first = peers.add(Peer.builder().share(music));
    first.peer().start();
    List<VirtualPeers.Made> holders = new ArrayList<>(List.of(first));
    for (int i = 0; i < 2; i++) {
      VirtualPeers.Made h = peers.add(Peer.builder().share(music).bootstrap(first.address()));
      h.peer().start();
      holders.add(h);
    }
    network.runFor(Duration.ofSeconds(5));
    VirtualPeers.Made askerMade = peers.add(Peer.builder().bootstrap(first.address()));
    InMemoryTransport askerTransport = askerMade.transport();
    Peer asker = askerMade.peer().start();
    network.runFor(Duration.ofSeconds(5));
    CompletableFuture<List<SearchHit>> found = asker.search("song0", Duration.ofSeconds(2), h -> { });
    network.runFor(Duration.ofSeconds(3));
    SearchHit hit = found.get(0, TimeUnit.SECONDS).get(0);
    assertThat(hit.sources()).hasSize(3);
    // The search started connecting to the holders it found, the one it asked among them or not.
    assertThat(askerTransport.connectsAsked()).containsAll(List.of(holders.get(1).address(),
        holders.get(2).address()));

    // The last holder falls silent: its stream open would be answered only by the deadline (5 s).
    VirtualPeers.Made silent = holders.get(2);
    network.blockInbound(silent.address().getAddress());
    CompletableFuture<io.loudp2p.StreamSession> stream = asker.stream(hit.track().id());
    network.runFor(Duration.ofSeconds(1));
    assertThat(stream).as("started on the two that answered, within a second").isCompleted();
    io.loudp2p.StreamSession session = stream.join();
    assertThat(session.sources()).extracting(io.loudp2p.SourceStats::peer)
        .containsExactlyInAnyOrder(holders.get(0).peer().id(), holders.get(1).peer().id());
    session.close();
  }

  @Test
  void aBootstrapEntryWithAnIdAcceptsOnlyThatPeerThere() throws Exception {
    VirtualPeers.Made there = peers.add(Peer.builder());
    there.peer().start();
    Peer expectingAnother = peers.add(Peer.builder()
        .bootstrap(Identity.generate().peerId(), there.address())).peer().start();
    Peer expectingIt = peers.add(Peer.builder()
        .bootstrap(there.peer().id(), there.address())).peer().start();
    network.runFor(Duration.ofSeconds(5));

    assertThat(expectingIt.peers()).anyMatch(p -> p.id().equals(there.peer().id()) && p.reachable());
    assertThat(expectingAnother.peers()).as("the answer of another peer than the one expected")
        .noneMatch(io.loudp2p.PeerInfo::reachable);
  }

  @Test
  void streamingFromAHolderThatWentAwayIsUnreachable() throws Exception {
    VirtualPeers.Made holder = peers.add(Peer.builder().share(folderOfSongs("music", 1)));
    holder.peer().start();
    Peer asker = peers.add(Peer.builder().bootstrap(holder.address())).peer().start();
    network.runFor(Duration.ofSeconds(5));
    CompletableFuture<List<SearchHit>> found = asker.search("song0", Duration.ofSeconds(2), h -> { });
    network.runFor(Duration.ofSeconds(3));
    TrackId track = found.get(0, TimeUnit.SECONDS).get(0).track().id();

    holder.peer().close();
    CompletableFuture<?> stream = asker.stream(track);
    network.runFor(Duration.ofSeconds(10));
    Loudp2pException e = failure(stream);
    assertThat(e.code()).isEqualTo(Code.UNREACHABLE);
    assertThat(e.getMessage()).contains("no peer gave a valid manifest of " + track);
  }

  @Test
  void aClosedPeerFailsItsFuturesAsClosed() throws Exception {
    Peer peer = peers.add(Peer.builder()).peer().start();
    peer.close();
    assertThat(failure(peer.search("anything", Duration.ofSeconds(1), h -> { })).code())
        .isEqualTo(Code.CLOSED);
    assertThat(failure(peer.stream(TrackId.fromBytes(new byte[32]))).code())
        .isEqualTo(Code.CLOSED);
  }

  @Test
  void aCatalogFolderThatIsNotAFolderIsInvalid() throws Exception {
    Peer peer = peers.add(Peer.builder()).peer().start();
    CompletableFuture<ScanReport> added = peer.catalog().addFolder(tmp.resolve("missing"));
    Loudp2pException e;
    try {
      added.get(10, TimeUnit.SECONDS);
      throw new AssertionError("added a missing folder");
    } catch (ExecutionException failed) {
      e = (Loudp2pException) failed.getCause();
    }
    assertThat(e.code()).isEqualTo(Code.INVALID);
  }

  @Test
  void aStartedPeersMetricsHoldEveryKeyItCanCountAtZero() throws Exception {
    Peer peer = peers.add(Peer.builder()).peer().start();
    io.loudp2p.PeerMetrics m = peer.metrics();
    String data = InMemoryProviders.NAME;
    assertThat(m.bytesSent()).containsExactly(java.util.Map.entry(data, 0L));
    assertThat(m.bytesReceived()).containsOnly(java.util.Map.entry(data, 0L),
        java.util.Map.entry(LocalSource.TRANSPORT, 0L));
    assertThat(m.envelopesRejected().keySet()).containsExactlyElementsOf(
        java.util.Arrays.stream(io.loudp2p.core.wire.RejectReason.values())
            .map(Enum::name).sorted().toList());
    assertThat(m.envelopesRejected().values()).containsOnly(0L);
    assertThat(m.datagramsDropped()).isEmpty(); // the in-memory transport drops nothing itself
  }

  @Test
  void eachFailureOfTheImplementationHasItsCode() {
    assertThat(io.loudp2p.core.internal.ApiErrors.of(
        new ControlException(ControlErrorCode.UNAVAILABLE, "nothing listens")).code())
        .isEqualTo(Code.UNREACHABLE);
    assertThat(io.loudp2p.core.internal.ApiErrors.of(
        new ControlException(ControlErrorCode.NOT_FOUND, "unknown track")))
        .hasMessage("unknown track")
        .extracting(Loudp2pException::code).isEqualTo(Code.NOT_FOUND);
    assertThat(io.loudp2p.core.internal.ApiErrors.of(
        new ControlException(ControlErrorCode.RESOURCE_EXHAUSTED, "slow down")).code())
        .isEqualTo(Code.BUSY);
    assertThat(io.loudp2p.core.internal.ApiErrors.of(
        new ControlException(ControlErrorCode.MALFORMED, "bad")).code()).isEqualTo(Code.REFUSED);
    assertThat(io.loudp2p.core.internal.ApiErrors.of(
        new ControlException(ControlErrorCode.UNAUTHENTICATED, "bad")).code())
        .isEqualTo(Code.REFUSED);
    assertThat(io.loudp2p.core.internal.ApiErrors.of(
        new java.util.concurrent.CompletionException(new TimeoutException())))
        .hasMessage("no answer in time")
        .extracting(Loudp2pException::code).isEqualTo(Code.TIMEOUT);
    assertThat(io.loudp2p.core.internal.ApiErrors.of(new ConnectException("refused")).code())
        .isEqualTo(Code.UNREACHABLE);
    assertThat(io.loudp2p.core.internal.ApiErrors.of(new java.net.BindException("in use")).code())
        .isEqualTo(Code.IO);
    assertThat(io.loudp2p.core.internal.ApiErrors.of(new CancellationException()).code())
        .isEqualTo(Code.CLOSED);
    IOException cause = new IOException("disk");
    assertThat(io.loudp2p.core.internal.ApiErrors.of(cause, true))
        .extracting(Loudp2pException::code, Throwable::getCause)
        .containsExactly(Code.CLOSED, cause);
  }
}
