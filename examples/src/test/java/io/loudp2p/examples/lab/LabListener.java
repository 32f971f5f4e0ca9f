package io.loudp2p.examples.lab;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.SearchHit;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A listener on a lab host: a LIGHT peer that joins through one bootstrap peer, searches until a
 * hit has the sources it expects, streams the best hit and reads it as a player plays it, at the
 * track's byte rate. It prints what it did, one event a line, for the test that started it:
 * {@code peer} (its ID), {@code hit}, {@code first-byte-ms}, {@code progress} (every 5% of the track), the session's events
 * ({@code stalled at byte N}, {@code source-dropped}, ...), and at the end {@code stats}, one {@code source}
 * line each, {@code late-read} for each read that came back more than 50 ms after the player
 * needed it, and {@code late-max-ms}: the longest of them.
 *
 * <p>{@code LabListener BOOTSTRAP_HOST:PORT LISTEN_HOST QUERY BYTES_PER_SECOND SOURCES [at-once]}:
 * it waits until it knows its UDP mapping before it plays, unless {@code at-once}.
 */
public final class LabListener {
  /** A read that comes back this much after playback needed it is printed: a player would skip. */
  private static final long LATE_NS = 50_000_000;

  /** Bytes the player has read so far. */
  private static final AtomicLong played = new AtomicLong();

  private LabListener() {}

  public static void main(String[] args) throws Exception {
    String query = args[2];
    int bytesPerSecond = Integer.parseInt(args[3]);
    int sources = Integer.parseInt(args[4]);
    long t0 = System.nanoTime();
    try (Peer peer = LabClients.lightPeer(args[0], args[1])) {
      System.out.println("peer " + peer.id());
      SearchHit hit = LabClients.findHit(peer, query, sources, Duration.ofSeconds(90));
      if (hit == null) {
        System.out.println("no hit with " + sources + " sources");
        System.exit(2);
      }
      System.out.println("hit " + hit.track().id() + " sources " + hit.sources().size());
      if (args.length > 5 && args[5].equals("at-once")) {
        // Plays as soon as it found the track, as a listener who pressed play would: a session
        // opened before the UDP mapping is known cannot ask for a punch, and moves to a direct
        // path once it is.
        System.out.println("mapping-at-play " + peer.network().udpMapping());
      } else {
        LabClients.awaitMapping(peer);
      }
      long opened = System.nanoTime();
      StreamSession session = peer.stream(hit.track().id(), new Events()).join();
      try (session) {
        play(session.inputStream(), session.length(), bytesPerSecond, opened);
        System.out.println("stats " + session.stats());
        for (SourceStats s : session.sources()) {
          System.out.println("source " + s);
        }
      }
    }
    System.out.println("done-ms " + (System.nanoTime() - t0) / 1_000_000);
  }

  /** Reads as a player does: each block when playback reaches it, and no sooner. */
  private static void play(InputStream in, long length, int bytesPerSecond, long opened)
      throws Exception {
    byte[] block = new byte[4096];
    long start = -1;
    long done = 0;
    long lateMax = 0;
    int reported = 0;
    while (true) {
      long due = start < 0 ? 0 : start + done * 1_000_000_000L / bytesPerSecond;
      for (long wait = due - System.nanoTime(); start >= 0 && wait > 0;
          wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      int n = in.read(block);
      long now = System.nanoTime();
      if (n < 0) {
        break;
      }
      if (start < 0) {
        start = now;
        System.out.println("first-byte-ms " + (now - opened) / 1_000_000);
      } else {
        lateMax = Math.max(lateMax, now - due);
        if (now - due > LATE_NS) {
          System.out.println("late-read " + (now - due) / 1_000_000 + " ms at byte " + done);
        }
      }
      done += n;
      played.set(done);
      int percent = (int) (done * 100 / Math.max(1, length));
      while (reported + 5 <= percent) {
        reported += 5;
        System.out.println("progress " + reported);
      }
    }
    System.out.println("read " + done);
    System.out.println("late-max-ms " + lateMax / 1_000_000);
  }

  /** Prints the session's events. */
  private static final class Events extends StreamSession.Listener {
    @Override
    public void onStalled(StreamSession session) {
      System.out.println("stalled at byte " + played.get());
    }

    @Override
    public void onResumed(StreamSession session) {
      System.out.println("resumed");
    }

    @Override
    public void onSourceAdded(StreamSession session, PeerId source) {
      System.out.println("source-added " + source);
    }

    @Override
    public void onSourceDropped(StreamSession session, PeerId source, String reason) {
      System.out.println("source-dropped " + source + " " + reason);
    }

    @Override
    public void onSourceFallback(StreamSession session, PeerId source, String from, String to,
        String reason) {
      System.out.println("source-fallback " + source + " " + from + "->" + to + " " + reason);
    }

    @Override
    public void onFailed(StreamSession session, Throwable cause) {
      System.out.println("failed " + cause);
    }
  }
}
