package com.example;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.PeerMetrics;
import io.loudp2p.ScanReport;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import io.loudp2p.micrometer.PeerMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An app with one loudp2p dependency: two peers in one process on 127.0.0.1, one sharing a folder
 * with a song, the other finding the song by a word of its name and playing it to the end.
 */
public final class TwoPeers {
  private TwoPeers() {}

  /** What a run did. */
  record Outcome(byte[] shared, byte[] played, double sentBytesCounted, PeerMetrics sharer,
      List<String> sharerEvents) {}

  public static void main(String[] args) throws Exception {
    Outcome o = run(Files.createTempDirectory("loudp2p-consumer"));
    System.out.println("played " + o.played().length + " bytes, "
        + (Arrays.equals(o.shared(), o.played()) ? "identical to" : "DIFFERENT from")
        + " the shared file");
  }

  static Outcome run(Path dir) throws IOException {
    Path music = Files.createDirectories(dir.resolve("music"));
    byte[] song = wav(3, 42);
    Files.write(music.resolve("consumer anthem.wav"), song);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch ended = new CountDownLatch(1);
    Peer.Listener heard = new Peer.Listener() {
      @Override
      public void onCatalogReady(Peer peer, ScanReport report) {
        events.add("catalog ready: " + report.added() + " added");
      }

      @Override
      public void onSessionServed(Peer peer, PeerId receiver, TrackId track) {
        events.add("serving " + track);
      }

      @Override
      public void onSessionEnded(Peer peer, PeerId receiver, TrackId track) {
        events.add("served " + track);
        ended.countDown();
      }
    };
    try (Peer sharer = Peer.builder().share(music).listener(heard).build().start()) {
      new PeerMeters(sharer).bindTo(registry);
      sharer.catalog().ready().join();
      try (Peer listener = Peer.builder()
          .bootstrap(sharer.id(), sharer.listenAddresses().get(0))
          .build()
          .start()) {
        SearchHit hit = find(listener, "anthem");
        byte[] played;
        try (StreamSession session = listener.stream(hit.track().id()).join()) {
          played = session.inputStream().readAllBytes();
        }
        double sent = registry.get("loudp2p.stream.sent").functionCounters().stream()
            .mapToDouble(c -> c.count()).sum();
        listener.close(); // the sharer hears the session end
        try {
          ended.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return new Outcome(song, played, sent, sharer.metrics(), List.copyOf(events));
      }
    }
  }

  /** The first hit for {@code word}, asked again for up to ten seconds while the network forms. */
  private static SearchHit find(Peer peer, String word) {
    for (int attempt = 0; attempt < 10; attempt++) {
      List<SearchHit> hits = peer.search(word, Duration.ofSeconds(1), hit -> {}).join();
      if (!hits.isEmpty()) {
        return hits.get(0);
      }
    }
    throw new IllegalStateException("no peer answered a search for " + word);
  }

  /** {@code seconds} of 16-bit mono 22,050 Hz noise as a WAV file. */
  static byte[] wav(int seconds, long seed) {
    int rate = 22_050;
    byte[] samples = new byte[seconds * rate * 2];
    new Random(seed).nextBytes(samples);
    ByteBuffer b = ByteBuffer.allocate(44 + samples.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + samples.length).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1)
        .putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16);
    b.put("data".getBytes()).putInt(samples.length).put(samples);
    return b.array();
  }
}
