package io.loudp2p.benchmarks;

import io.loudp2p.Peer;
import io.loudp2p.SearchHit;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * What a peer's own copy saves: on 127.0.0.1, a player with a cache plays a track from the only
 * peer that shares it, then plays it again (from its cache, the sharer still there), then once more
 * with the sharer gone. Prints, over {@code runs} tracks, the median time from {@code stream()} to
 * the first byte and to the last, each replay beside the first play as a ratio, and how many bytes
 * each play took from the network.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.CacheReplay [runs]
 * [seconds]} (default 10 tracks of 60 s of 16-bit 44.1 kHz stereo, 10.6 MB each).
 */
public final class CacheReplay {
  private CacheReplay() {}

  /** One play's figures. */
  private record Play(double firstByteMs, double lastByteMs, long networkBytes) {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    Path dir = Files.createTempDirectory("loudp2p-cache-replay");
    Play[][] plays = new Play[3][runs];
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    for (int r = 0; r < runs; r++) {
      Path music = Files.createDirectories(dir.resolve("music" + r));
      Files.write(music.resolve("replay" + r + ".wav"), wav(seconds, r));
      Peer sharer = Peer.builder().listen(loopback).share(music).build().start();
      sharer.catalog().ready().get(60, TimeUnit.SECONDS);
      try (Peer player = Peer.builder().listen(loopback)
          .bootstrap(sharer.listenAddresses().get(0))
          .cache(dir.resolve("cache" + r), 1L << 30).build().start()) {
        SearchHit hit = player.search("replay" + r, Duration.ofSeconds(3), h -> { })
            .get(10, TimeUnit.SECONDS).get(0);
        TrackId id = hit.track().id();
        plays[0][r] = play(player, id);
        awaitCached(player, id);
        plays[1][r] = play(player, id);
        sharer.close();
        plays[2][r] = play(player, id);
      } finally {
        sharer.close();
      }
    }
    String[] names = {"first play (network)", "replay, sharer up", "replay, sharer gone"};
    System.out.printf("%-22s %14s %14s %8s %8s %16s%n", "median of " + runs, "first byte ms",
        "last byte ms", "x first", "x last", "network bytes");
    for (int k = 0; k < 3; k++) {
      double first = median(plays[k], Play::firstByteMs);
      double last = median(plays[k], Play::lastByteMs);
      System.out.printf("%-22s %14.1f %14.1f %8.3f %8.3f %16.0f%n", names[k], first, last,
          first / median(plays[0], Play::firstByteMs), last / median(plays[0], Play::lastByteMs),
          median(plays[k], p -> (double) p.networkBytes()));
    }
  }

  private static Play play(Peer player, TrackId id) throws Exception {
    long start = System.nanoTime();
    try (StreamSession s = player.stream(id).get(30, TimeUnit.SECONDS)) {
      byte[] buf = new byte[65536];
      int n = s.inputStream().read(buf);
      long first = System.nanoTime();
      while (n >= 0) {
        n = s.inputStream().read(buf);
      }
      long last = System.nanoTime();
      long network = 0;
      for (SourceStats src : s.sources()) {
        if (!src.transport().equals("local")) {
          network += src.bytes();
        }
      }
      return new Play((first - start) / 1e6, (last - start) / 1e6, network);
    }
  }

  /**
   * Waits until the player's cache holds the whole track: the cache is written behind the first
   * play, so a play right after it may still take a few chunks from the sharer. Plays the track
   * until one takes nothing from the network (not counted).
   */
  private static void awaitCached(Peer player, TrackId id) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < until) {
      if (play(player, id).networkBytes() == 0) {
        return;
      }
    }
    throw new IllegalStateException("the track never reached the cache whole");
  }

  private static double median(Play[] plays, java.util.function.ToDoubleFunction<Play> f) {
    double[] v = Arrays.stream(plays).mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** A 16-bit 44.1 kHz stereo WAV of {@code seconds} of seeded noise. */
  static byte[] wav(int seconds, long seed) throws IOException {
    int data = seconds * 44_100 * 4;
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + data)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + data).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 2).putInt(44_100)
        .putInt(44_100 * 4).putShort((short) 4).putShort((short) 16);
    b.put("data".getBytes()).putInt(data);
    byte[] noise = new byte[data];
    new SplittableRandom(seed).nextBytes(noise);
    return b.put(noise).array();
  }
}
