package io.loudp2p.examples.lab;

import io.loudp2p.NetworkStatus;
import io.loudp2p.Peer;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/** What the lab's client programs share: a LIGHT peer, and a search until a hit is good enough. */
final class LabClients {
  private LabClients() {}

  /** A started LIGHT peer that joins through {@code bootstrap} ("host:port") and listens on {@code host}. */
  static Peer lightPeer(String bootstrap, String host) throws UnknownHostException {
    String[] b = bootstrap.split(":");
    return Peer.builder().role(Role.LIGHT)
        .bootstrap(new InetSocketAddress(InetAddress.getByName(b[0]), Integer.parseInt(b[1])))
        .listen(new InetSocketAddress(InetAddress.getByName(host), 0)).build().start();
  }

  /**
   * Searches until a hit has at least {@code sources} sources, taking it as it comes (as an app
   * would, without waiting for the search's deadline); null when none did within {@code within}.
   */
  static @Nullable SearchHit findHit(Peer peer, String query, int sources, Duration within) {
    long until = System.nanoTime() + within.toNanos();
    SearchHit hit = null;
    while (hit == null || hit.sources().size() < sources) {
      if (System.nanoTime() > until) {
        return null;
      }
      CompletableFuture<SearchHit> enough = new CompletableFuture<>();
      CompletableFuture<List<SearchHit>> all = peer.search(query, Duration.ofSeconds(3), h -> {
        if (h.sources().size() >= sources) {
          enough.complete(h);
        }
      });
      hit = CompletableFuture.anyOf(enough, all).thenApply(x -> enough.isDone() ? enough.join()
          : all.join().stream().max(Comparator.comparingInt(h -> h.sources().size()))
              .orElse(null)).join();
    }
    return hit;
  }

  /**
   * Waits, at most 10 s, until the peer knows how its NAT maps UDP sockets, as an app that ran a
   * while would (a stream behind a relay asks for hole punching only then), and prints it.
   */
  static void awaitMapping(Peer peer) {
    long until = System.nanoTime() + 10_000_000_000L;
    NetworkStatus s = peer.network();
    while (s.udpMapping() == NetworkStatus.Mapping.UNKNOWN && System.nanoTime() < until) {
      LockSupport.parkNanos(100_000_000L); // another process: polled, as a status screen would
      s = peer.network();
    }
    System.out.println("mapping " + s.udpMapping());
  }
}
