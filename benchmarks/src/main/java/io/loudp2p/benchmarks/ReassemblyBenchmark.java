package io.loudp2p.benchmarks;

import io.loudp2p.core.stream.internal.ChunkBufferPool;
import io.loudp2p.core.stream.internal.ChunkVerifier;
import io.loudp2p.core.stream.internal.Reassembler;
import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Chunk reassembly: a 1 MiB track of 16 KiB chunks arriving as 1200-byte fragments in random
 * order, with and without SHA-256 leaf verification, beside its baselines measured in the same
 * run: {@code System.arraycopy} of the same fragments to the same places, and raw SHA-256 leaf
 * hashing of the same chunks.
 *
 * <p>One operation is the whole track. Targets: {@code reassemble} at least half of {@code
 * arraycopyBaseline}'s throughput; {@code reassembleVerified} within 20% of {@code
 * sha256Baseline}; no allocation ({@code -prof gc}: 0 B/op, so none per fragment).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReassemblyBenchmark {
  static final int CHUNK = ChunkBufferPool.DEFAULT_BUFFER_SIZE;
  static final int CHUNKS = 64;
  static final int FRAGMENT = 1200;

  private byte[] track;
  private int[] fragmentChunk;
  private int[] fragmentOffset;
  private ByteBuffer[] fragmentData;
  private byte[] copyTarget;
  private byte[][] leafHashes;
  private MessageDigest sha256;
  private byte[] digest;
  private Reassembler<String> plain;
  private Reassembler<String> verified;
  private long completed;

  @Setup(Level.Trial)
  public void setUp() throws NoSuchAlgorithmException, DigestException {
    track = new byte[CHUNKS * CHUNK];
    new Random(1).nextBytes(track);
    List<int[]> fragments = new ArrayList<>();
    for (int c = 0; c < CHUNKS; c++) {
      for (int off = 0; off < CHUNK; off += FRAGMENT) {
        fragments.add(new int[] {c, off, Math.min(FRAGMENT, CHUNK - off)});
      }
    }
    Collections.shuffle(fragments, new Random(2));
    int n = fragments.size();
    fragmentChunk = new int[n];
    fragmentOffset = new int[n];
    fragmentData = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      int[] f = fragments.get(i);
      fragmentChunk[i] = f[0];
      fragmentOffset[i] = f[1];
      fragmentData[i] = ByteBuffer.wrap(track, f[0] * CHUNK + f[1], f[2]).slice();
    }
    copyTarget = new byte[track.length];
    sha256 = MessageDigest.getInstance("SHA-256");
    digest = new byte[32];
    leafHashes = new byte[CHUNKS][];
    for (int c = 0; c < CHUNKS; c++) {
      leafHashes[c] = leafHash(track, c * CHUNK, CHUNK).clone();
    }
    Reassembler.Listener<String> listener =
        new Reassembler.Listener<>() {
          @Override
          public void onChunkVerified(int index) {
            completed++;
          }

          @Override
          public void onChunkRejected(
              int index, Reassembler.RejectReason reason, List<String> sources) {
            throw new IllegalStateException("chunk " + index + " rejected: " + reason);
          }
        };
    plain = new Reassembler<>(
        track.length, new ChunkBufferPool(CHUNKS, CHUNK), CHUNKS, ChunkVerifier.ACCEPT_ALL,
        listener);
    ChunkVerifier leafCheck =
        (index, buf, off, len) -> {
          byte[] h = leafHash(buf, off, len);
          byte[] expected = leafHashes[index];
          for (int i = 0; i < 32; i++) {
            if (h[i] != expected[i]) {
              return false;
            }
          }
          return true;
        };
    verified = new Reassembler<>(
        track.length, new ChunkBufferPool(CHUNKS, CHUNK), CHUNKS, leafCheck, listener);
  }

  /** RFC 6962 leaf hash into the reused {@link #digest} array. */
  private byte[] leafHash(byte[] buf, int off, int len) {
    sha256.update((byte) 0);
    sha256.update(buf, off, len);
    try {
      sha256.digest(digest, 0, 32);
    } catch (DigestException e) {
      throw new IllegalStateException(e);
    }
    return digest;
  }

  private long feed(Reassembler<String> r) {
    long before = completed;
    for (int i = 0; i < fragmentData.length; i++) {
      r.onFragment("peer", fragmentChunk[i], fragmentOffset[i], fragmentData[i]);
    }
    // Read past every chunk (buffers back to the pool), then rewind for the next operation.
    r.moveFirstWanted(CHUNKS);
    r.moveFirstWanted(0);
    if (completed - before != CHUNKS) {
      throw new IllegalStateException("only " + (completed - before) + " chunks completed");
    }
    return completed;
  }

  @Benchmark
  public long reassemble() {
    return feed(plain);
  }

  @Benchmark
  public long reassembleVerified() {
    return feed(verified);
  }

  @Benchmark
  public byte[] arraycopyBaseline() {
    for (int i = 0; i < fragmentData.length; i++) {
      ByteBuffer d = fragmentData[i];
      System.arraycopy(
          d.array(), d.arrayOffset() + d.position(), copyTarget,
          fragmentChunk[i] * CHUNK + fragmentOffset[i], d.remaining());
    }
    return copyTarget;
  }

  @Benchmark
  public void sha256Baseline(Blackhole bh) {
    for (int c = 0; c < CHUNKS; c++) {
      bh.consume(leafHash(track, c * CHUNK, CHUNK)[0]);
    }
  }
}
