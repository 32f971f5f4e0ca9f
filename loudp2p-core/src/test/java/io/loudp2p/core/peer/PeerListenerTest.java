package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.NetworkStatus;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.PeerInfo;
import io.loudp2p.Role;
import io.loudp2p.ScanReport;
import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.core.testing.VirtualPeers;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What real core peers tell their {@link Peer.Listener}, on an in-memory network and virtual
 * time: their start, catalog and bootstrap, the peers that join and leave, the sessions they
 * serve, their network status and their role, each peer on a thread of its own.
 */
class PeerListenerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(17)
      .delivery(InMemoryNetwork.Delivery.MANUAL).build();
  private final VirtualPeers peers = new VirtualPeers(network, 17);
  @TempDir Path tmp;

  @AfterEach
  void tearDown() {
    peers.close();
  }

  /**
   * Each event heard as a line, and the names of the threads they were heard on. A line that
   * starts as {@link #slowOn} is kept only once {@link #slow} is released: a listener still busy.
   */
  private static final class Heard extends Peer.Listener {
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    volatile String slowOn = "nothing";
    final CountDownLatch busy = new CountDownLatch(1);
    final CountDownLatch slow = new CountDownLatch(1);

    private void heard(String line) {
      threads.add(Thread.currentThread().getName());
      if (line.startsWith(slowOn)) {
        busy.countDown();
        try {
          slow.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      lines.add(line);
    }

    @Override
    public void onStarted(Peer peer) {
      heard("started on " + peer.listenAddresses().size() + " address");
    }

    @Override
    public void onCatalogReady(Peer peer, ScanReport report) {
      heard("catalog ready with " + report.added());
    }

    @Override
    public void onBootstrapped(Peer peer, int peersKnown) {
      heard("bootstrapped knowing " + peersKnown);
    }

    @Override
    public void onPeerJoined(Peer peer, PeerInfo joined) {
      heard("joined " + joined.id());
    }

    @Override
    public void onPeerLeft(Peer peer, PeerId left) {
      heard("left " + left);
    }

    @Override
    public void onRoleChanged(Peer peer, Role from, Role to) {
      heard("role " + from + " to " + to);
    }

    @Override
    public void onSessionServed(Peer peer, PeerId receiver, TrackId track) {
      heard("served " + track + " to " + receiver);
    }

    @Override
    public void onSessionEnded(Peer peer, PeerId receiver, TrackId track) {
      heard("ended " + track + " to " + receiver);
    }

    @Override
    public void onNetworkChanged(Peer peer, NetworkStatus status) {
      heard("dialable " + status.dialable());
    }

    void awaitLine(String line) {
      Await.until(() -> lines.contains(line), WAIT, "heard \"" + line + "\" in " + lines);
    }
  }

  private Path folderOfSongs(String name, int songs) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (int i = 0; i < songs; i++) {
      Files.write(dir.resolve("song" + i + ".wav"), TestAudio.noiseWavOfBytes(64 * 1024, i));
    }
    return dir;
  }

  @Test
  void aPeerTellsItsListenerWhatHappensToItOnAThreadOfItsOwn() throws Exception {
    double[] load = {0.2};
    Heard holderHeard = new Heard();
    VirtualPeers.Made holder = peers.add(
        Peer.builder().share(folderOfSongs("music", 1)).listener(holderHeard), () -> load[0]);
    holder.peer().start();
    holderHeard.awaitLine("bootstrapped knowing 0");
    assertThat(holderHeard.lines).containsExactly("started on 1 address",
        "catalog ready with 1", "bootstrapped knowing 0");

    Heard playerHeard = new Heard();
    Peer player = peers.add(Peer.builder().bootstrap(holder.address()).listener(playerHeard))
        .peer().start();
    network.runFor(Duration.ofSeconds(5));
    playerHeard.awaitLine("bootstrapped knowing 1");
    assertThat(playerHeard.lines).startsWith("started on 1 address", "catalog ready with 0")
        .containsSubsequence("joined " + holder.peer().id(), "bootstrapped knowing 1");
    holderHeard.awaitLine("joined " + player.id());
    // The player greeted it: it knows others can call it.
    holderHeard.awaitLine("dialable YES");

    TrackId track = holder.peer().catalog().search("song0", 1).get(0).track().id();
    CompletableFuture<StreamSession> opened = player.stream(track);
    Await.until(() -> {
      network.runFor(Duration.ofMillis(10));
      return opened.isDone();
    }, Duration.ofSeconds(20), "the stream opened");
    String served = "served " + track + " to " + player.id();
    try (StreamSession session = opened.get(1, TimeUnit.SECONDS)) {
      InputStream in = session.inputStream();
      // The session's own threads take in what the network delivers: wait for them in real time
      // while the network's clock moves on.
      Await.until(() -> {
        network.runFor(Duration.ofMillis(5));
        try {
          return in.available() > 0;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, Duration.ofSeconds(20), "bytes streamed");
      holderHeard.awaitLine(served);
    }
    network.runFor(Duration.ofSeconds(1));
    String ended = "ended " + track + " to " + player.id();
    holderHeard.awaitLine(ended);
    assertThat(holderHeard.lines).containsSubsequence(served, ended);

    List<String> heardBeforeClose = new ArrayList<>(playerHeard.lines);
    player.close();
    assertThat(playerHeard.lines).as("all told by the time close returned")
        .containsExactlyElementsOf(heardBeforeClose);
    network.runFor(Duration.ofMinutes(1)); // the holder's shuffles find it gone
    holderHeard.awaitLine("left " + player.id());

    load[0] = 1.0; // the holder is overloaded: its role policy demotes it within the minute
    holderHeard.slowOn = "role";
    network.runFor(Duration.ofMinutes(6));
    assertThat(holderHeard.busy.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    // Closed while its listener is busy with the role change: close waits until it is told.
    Thread closing = Thread.currentThread();
    Thread slowListener = new Thread(() -> {
      Await.until(() -> closing.getState() == Thread.State.TIMED_WAITING, WAIT, "close waits");
      holderHeard.slow.countDown();
    });
    slowListener.start();
    holder.peer().close();
    assertThat(holderHeard.lines).last().isEqualTo("role FULL to LIGHT");
    slowListener.join(WAIT.toMillis());

    assertThat(playerHeard.lines).as("nothing after close").isEqualTo(heardBeforeClose);
    assertThat(holderHeard.threads)
        .containsExactly("loudp2p-events-" + holder.peer().id().toString().substring(0, 8));
    assertThat(playerHeard.threads)
        .containsExactly("loudp2p-events-" + player.id().toString().substring(0, 8));
  }

  @Test
  void aSecondCloseReturnsOnlyOnceTheFirstHasClosedEverything() throws Exception {
    Heard heard = new Heard();
    heard.slowOn = "started";
    Peer peer = peers.add(Peer.builder().listener(heard)).peer().start();
    assertThat(heard.busy.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    // The first close waits for the busy listener; a second (a shutdown hook's) waits for it.
    Thread first = new Thread(peer::close, "first close");
    first.start();
    Await.until(() -> first.getState() == Thread.State.TIMED_WAITING, WAIT, "the first close waits");
    List<String> heardBySecond = new CopyOnWriteArrayList<>();
    Thread second = new Thread(() -> {
      peer.close();
      heardBySecond.addAll(heard.lines);
    }, "second close");
    second.start();
    Await.until(() -> second.getState() == Thread.State.WAITING, WAIT, "the second close waits");
    assertThat(second.isAlive()).isTrue();

    heard.slow.countDown();
    first.join(WAIT.toMillis());
    second.join(WAIT.toMillis());
    assertThat(first.isAlive()).isFalse();
    assertThat(second.isAlive()).isFalse();
    assertThat(heardBySecond).as("returned after the first close told what came before")
        .startsWith("started on 1 address").isEqualTo(heard.lines);
  }
}
