package io.loudp2p.core.peer;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.SearchHit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A look inside a running core {@link Peer}'s overlay, for simulations, tests and diagnostics:
 * its sampling view, its FULL links, and searches with a chosen routing. Not part of the API
 * applications program against; every method throws {@link IllegalArgumentException} for a peer
 * the core did not make.
 */
public final class PeerDiagnostics {
  private PeerDiagnostics() {}

  private static RealPeer real(Peer peer) {
    if (peer instanceof RealPeer r) {
      return r;
    }
    throw new IllegalArgumentException("not a core peer: " + peer.getClass().getName());
  }

  /** The peers in {@code peer}'s sampling view (Cyclon): FULL peers it shuffles and routes with. */
  public static List<PeerId> neighbours(Peer peer) {
    return real(peer).neighbourIds();
  }

  /** The FULL peers a LIGHT {@code peer} hands its searches to, preferred first. */
  public static List<PeerId> links(Peer peer) {
    return real(peer).linkIds();
  }

  /**
   * The address at least two other peers said {@code peer}'s calls came from, in their latest
   * answers to its peer exchanges (PROTOCOL.md §3.1); empty until two agree.
   */
  public static java.util.Optional<java.net.InetAddress> observedAddress(Peer peer) {
    return real(peer).observedAddress();
  }

  /** Where {@code peer}'s data transports serve, by transport name ({@code "udp"}, {@code "grpc"}). */
  public static java.util.Map<String, java.net.InetSocketAddress> dataServers(Peer peer) {
    return real(peer).dataServers();
  }

  /** Turns routing by neighbours' keyword summaries off (random walks alone) or back on. */
  public static void useSummaries(Peer peer, boolean use) {
    real(peer).useSummaries(use);
  }

  /**
   * Searches like {@link Peer#search}, with {@code walkers} random walks; 0 floods the query to
   * every FULL neighbour at every hop instead of routing it.
   */
  public static CompletableFuture<List<SearchHit>> search(Peer peer, String query,
      Duration deadline, Consumer<SearchHit> onHit, int walkers) {
    return real(peer).search(query, deadline, onHit, walkers);
  }
}
