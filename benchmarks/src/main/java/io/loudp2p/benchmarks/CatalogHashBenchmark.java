package io.loudp2p.benchmarks;

import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.TrackHasher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Track IDs for a folder of 16 files of 1 MiB (seeded random bytes, in the page cache after the
 * first lap), beside plain SHA-256 over the same bytes read from the same files, and over the same
 * bytes in memory.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar CatalogHash -f 1 -wi 2 -i 3}. Every method
 * handles the same 16 MiB per operation, so the ratio of their times is the cost of the Merkle
 * tree and the code around it over SHA-256 itself.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CatalogHashBenchmark {
  static final int FILES = 16;
  static final int FILE_BYTES = 1 << 20;

  private Path folder;
  private Path[] files;
  private byte[][] contents;
  private final TrackHasher hasher = TrackHasher.merkle();

  @Setup
  public void setUp() throws IOException {
    folder = Files.createTempDirectory("loudp2p-hash-bench");
    files = new Path[FILES];
    contents = new byte[FILES][];
    Random random = new Random(16);
    for (int i = 0; i < FILES; i++) {
      contents[i] = new byte[FILE_BYTES];
      random.nextBytes(contents[i]);
      files[i] = Files.write(folder.resolve("track" + i + ".mp3"), contents[i]);
    }
  }

  @TearDown
  public void tearDown() throws IOException {
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toArray(Path[]::new)) {
        Files.delete(p);
      }
    }
  }

  /** Track IDs of every file: streamed 16 KiB leaves, then the Merkle root. */
  @Benchmark
  public void trackIds(Blackhole bh) throws IOException {
    for (Path file : files) {
      TrackId id = hasher.hash(file, FILE_BYTES);
      bh.consume(id);
    }
  }

  /** Baseline: one SHA-256 per file over the same bytes, read the same way. */
  @Benchmark
  public void sha256Files(Blackhole bh) throws IOException, NoSuchAlgorithmException {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[TrackHasher.CHUNK_SIZE];
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          sha256.update(buffer, 0, n);
        }
      }
      bh.consume(sha256.digest());
    }
  }

  /** Baseline: SHA-256 of the same bytes already in memory, the primitive's own speed. */
  @Benchmark
  public void sha256Memory(Blackhole bh) throws NoSuchAlgorithmException {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    for (byte[] c : contents) {
      for (int off = 0; off < c.length; off += TrackHasher.CHUNK_SIZE) {
        sha256.update(c, off, Math.min(TrackHasher.CHUNK_SIZE, c.length - off));
      }
      bh.consume(sha256.digest());
    }
  }
}
