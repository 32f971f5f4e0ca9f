package io.loudp2p.benchmarks;

import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.content.MerkleTree;
import io.loudp2p.core.proto.v1.TrackMetadata;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Checking one 16 KiB chunk of a 1,000-chunk track: against the manifest's leaf hash, and against
 * the track ID alone with an audit path, beside raw SHA-256 of the same 16 KiB in the same run.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar Merkle -f 1 -wi 3 -i 5}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MerkleBenchmark {
  private static final int CHUNKS = 1000;

  private byte[] track;
  private Manifest manifest;
  private byte[] root;
  private List<byte[]> auditPath;
  private byte[] chunk;
  private MessageDigest sha256;
  private int index;

  @Setup
  public void setUp() throws Exception {
    track = new byte[CHUNKS * Manifest.CHUNK_SIZE];
    new SplittableRandom(1).nextBytes(track);
    manifest = Manifest.ofStream(new ByteArrayInputStream(track), TrackMetadata.getDefaultInstance());
    root = manifest.trackId().bytes();
    index = 617;
    auditPath = manifest.auditPath(index);
    chunk = java.util.Arrays.copyOfRange(track, index * Manifest.CHUNK_SIZE,
        (index + 1) * Manifest.CHUNK_SIZE);
    sha256 = MessageDigest.getInstance("SHA-256");
  }

  /** Baseline: SHA-256 over the same 16 KiB. */
  @Benchmark
  public byte[] sha256Raw() {
    return sha256.digest(chunk);
  }

  /** A chunk checked against the manifest's leaf hash (allocates nothing). */
  @Benchmark
  public boolean verifyWithManifest() {
    return manifest.verifyChunk(index, track, index * Manifest.CHUNK_SIZE, Manifest.CHUNK_SIZE);
  }

  /** A chunk checked against the track ID with its audit path (ten node hashes more). */
  @Benchmark
  public boolean verifyWithAuditPath() {
    return MerkleTree.verify(root, CHUNKS, index, chunk, auditPath);
  }
}
