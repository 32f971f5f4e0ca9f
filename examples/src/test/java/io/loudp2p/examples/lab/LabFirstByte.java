package io.loudp2p.examples.lab;

import io.loudp2p.Peer;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import java.time.Duration;

/**
 * A cold start on a lab host, timed: a LIGHT peer joins through one bootstrap peer, searches until a
 * hit has the sources it expects, then opens the stream and reads its first byte. Prints {@code
 * search-ms} (until the hit), {@code stream-first-byte-ms} (from {@code stream()} to the first
 * verified byte), {@code peer-first-byte-ms} (from building the peer to that byte) and the
 * transport of each source ({@code source-transport}). With {@code await-mapping}, it waits
 * (uncounted, at most 10 s) after the search until it knows how its NAT maps UDP sockets, as a
 * peer that ran a while would: a stream from a source behind a relay asks for hole punching only
 * then. With {@code whole}, it reads the rest of the track as fast as it comes and prints {@code
 * whole-ms} (from {@code stream()} to the last byte) and the session's {@code stats}.
 *
 * <p>{@code LabFirstByte BOOTSTRAP_HOST:PORT LISTEN_HOST QUERY SOURCES [await-mapping] [whole]}
 */
public final class LabFirstByte {
  private LabFirstByte() {}

  public static void main(String[] args) throws Exception {
    int sources = Integer.parseInt(args[3]);
    long t0 = System.nanoTime();
    try (Peer peer = LabClients.lightPeer(args[0], args[1])) {
      SearchHit hit = LabClients.findHit(peer, args[2], sources, Duration.ofSeconds(60));
      if (hit == null) {
        System.out.println("no hit with " + sources + " sources");
        System.exit(2);
      }
      long found = System.nanoTime();
      System.out.println("search-ms " + (found - t0) / 1_000_000);
      java.util.List<String> flags = java.util.Arrays.asList(args).subList(4, args.length);
      if (flags.contains("await-mapping")) {
        LabClients.awaitMapping(peer);
      }
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
        if (flags.contains("whole")) {
          s.inputStream().transferTo(java.io.OutputStream.nullOutputStream());
          System.out.println("whole-ms " + (System.nanoTime() - opening) / 1_000_000);
          System.out.println("stats " + s.stats());
        }
        for (io.loudp2p.SourceStats source : s.sources()) {
          System.out.println("source-transport " + source.transport());
        }
      }
    }
    System.exit(0);
  }
}
