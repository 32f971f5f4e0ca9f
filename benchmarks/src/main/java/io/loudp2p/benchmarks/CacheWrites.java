package io.loudp2p.benchmarks;

import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.proto.v1.TrackMetadata;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How fast the chunk cache keeps what a player verified, on this machine's disk: a track written
 * one chunk at a time (each flushed to disk, then recorded, then the record flushed) beside the
 * same track written in batches of {@code batch} chunks (each batch flushed and recorded once), as
 * the stream sessions now do. Prints MiB/s for each, over {@code runs} tracks, and the ratio.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.CacheWrites [runs]
 * [MiB] [batch]} (default 5 tracks of 16 MiB, batches of 64).
 */
public final class CacheWrites {
  private CacheWrites() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    byte[] track = new byte[mib << 20];
    new SplittableRandom(7).nextBytes(track);
    Manifest m = Manifest.ofStream(new ByteArrayInputStream(track),
        TrackMetadata.newBuilder().setTitle("bench").build());
    Path dir = Files.createTempDirectory("loudp2p-cache-writes");
    double[] single = new double[runs];
    double[] batched = new double[runs];
    for (int r = 0; r < runs; r++) {
      single[r] = mibPerSecond(dir.resolve("single" + r), m, track, 1);
      batched[r] = mibPerSecond(dir.resolve("batched" + r), m, track, batch);
    }
    Arrays.sort(single);
    Arrays.sort(batched);
    double s = single[runs / 2];
    double b = batched[runs / 2];
    System.out.printf("track %d MiB, %d chunks, %d runs (medians)%n", mib, m.chunkCount(), runs);
    System.out.printf("one chunk at a time   %8.1f MiB/s%n", s);
    System.out.printf("batches of %-3d        %8.1f MiB/s  (%.1fx)%n", batch, b, b / s);
  }

  private static double mibPerSecond(Path dir, Manifest m, byte[] track, int batch)
      throws Exception {
    try (ChunkCache cache = ChunkCache.open(dir, 4L << 30)) {
      cache.put(m);
      long start = System.nanoTime();
      List<ChunkCache.Chunk> chunks = new ArrayList<>();
      for (int i = 0; i < m.chunkCount(); i++) {
        int offset = i * Manifest.CHUNK_SIZE;
        chunks.add(new ChunkCache.Chunk(i, track, offset,
            Math.min(Manifest.CHUNK_SIZE, track.length - offset)));
        if (chunks.size() == batch || i == m.chunkCount() - 1) {
          cache.writeChunks(m.trackId(), chunks);
          chunks = new ArrayList<>();
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return track.length / (1024.0 * 1024.0) / seconds;
    }
  }
}
