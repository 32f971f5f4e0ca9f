package io.loudp2p.examples.lab;

import io.loudp2p.Peer;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A cold start on a lab host, timed: a LIGHT peer joins through one bootstrap peer, searches until a
 * hit has the sources it expects, then opens the stream and reads its first byte. Prints {@code
 * search-ms} (until the hit), {@code stream-first-byte-ms} (from {@code stream()} to the first
 * verified byte) and {@code peer-first-byte-ms} (from building the peer to that byte).
 *
 * <p>{@code LabFirstByte BOOTSTRAP_HOST:PORT LISTEN_HOST QUERY SOURCES}
 */
public final class LabFirstByte {
  private LabFirstByte() {}

  public static void main(String[] args) throws Exception {
    String[] b = args[0].split(":");
    InetSocketAddress bootstrap = new InetSocketAddress(InetAddress.getByName(b[0]),
        Integer.parseInt(b[1]));
    int sources = Integer.parseInt(args[3]);
    long t0 = System.nanoTime();
    try (Peer peer = Peer.builder().role(Role.LIGHT).bootstrap(bootstrap)
        .listen(new InetSocketAddress(InetAddress.getByName(args[1]), 0)).build().start()) {
      SearchHit hit = null;
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (hit == null || hit.sources().size() < sources) {
        if (System.nanoTime() > until) {
          System.out.println("no hit with " + sources + " sources: " + hit);
          System.exit(2);
        }
        // As an app would: the first hit with enough sources is taken as it comes, without
        // waiting for the search's deadline.
        CompletableFuture<SearchHit> enough = new CompletableFuture<>();
        CompletableFuture<List<SearchHit>> all = peer.search(args[2], Duration.ofSeconds(3), h -> {
          if (h.sources().size() >= sources) {
            enough.complete(h);
          }
        });
        hit = CompletableFuture.anyOf(enough, all).thenApply(x -> enough.isDone() ? enough.join()
            : all.join().stream().max(Comparator.comparingInt(h -> h.sources().size()))
                .orElse(null)).join();
      }
      long found = System.nanoTime();
      System.out.println("search-ms " + (found - t0) / 1_000_000);
      long opening = System.nanoTime();
      try (StreamSession s = peer.stream(hit.track().id()).join()) {
        if (s.inputStream().read() < 0) {
          System.out.println("empty stream");
          System.exit(3);
        }
        long first = System.nanoTime();
        System.out.println("stream-first-byte-ms " + (first - opening) / 1_000_000);
        System.out.println("peer-first-byte-ms " + (first - t0) / 1_000_000);
        System.out.println("track " + hit.track().id() + " length " + s.length());
      }
    }
    System.exit(0);
  }
}
