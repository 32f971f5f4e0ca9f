package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.core.stream.internal.Fragments.Fragment;
import io.loudp2p.core.stream.internal.Reassembler.Outcome;
import io.loudp2p.core.stream.internal.Reassembler.RejectReason;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReassemblerTest {
  private static final int CHUNK = ChunkBufferPool.DEFAULT_BUFFER_SIZE;
  private static final int FRAGMENT = 1200;

  private final List<Integer> verified = new ArrayList<>();
  private final List<String> rejected = new ArrayList<>();
  private final Reassembler.Listener<String> listener =
      new Reassembler.Listener<>() {
        @Override
        public void onChunkVerified(int index) {
          verified.add(index);
        }

        @Override
        public void onChunkRejected(int index, RejectReason reason, List<String> sources) {
          rejected.add(index + " " + reason + " " + sources);
        }
      };

  private Reassembler<String> reassembler(int length, int buffers, int inAssembly, ChunkVerifier v) {
    return new Reassembler<>(length, new ChunkBufferPool(buffers, CHUNK), inAssembly, v, listener);
  }

  private static byte[] held(Reassembler<?> r, int chunk) {
    int off = r.slabOffset(chunk);
    return Arrays.copyOfRange(r.pool().slab(), off, off + r.chunkLength(chunk));
  }

  @Test
  void assemblesEveryChunkFromFragmentsInRandomOrder() {
    byte[] track = Fragments.track(1, 10 * CHUNK + 777);
    Reassembler<String> r = reassembler(track.length, 11, 11, ChunkVerifier.ACCEPT_ALL);
    for (Fragment f : Fragments.shuffled(Fragments.cut(track, CHUNK, FRAGMENT), 2)) {
      assertThat(r.onFragment("a", f.chunk(), f.offset(), f.data()))
          .isIn(Outcome.ACCEPTED, Outcome.COMPLETED);
    }
    assertThat(verified).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    for (int c = 0; c < r.chunkCount(); c++) {
      assertThat(held(r, c)).isEqualTo(Fragments.chunkBytes(track, CHUNK, c));
    }
    assertThat(r.chunkLength(10)).isEqualTo(777);
    assertThat(r.inAssembly()).isZero();
  }

  @Test
  void leavesTheFragmentBufferUntouched() {
    byte[] track = Fragments.track(3, 100);
    Reassembler<String> r = reassembler(track.length, 1, 1, ChunkVerifier.ACCEPT_ALL);
    ByteBuffer data = ByteBuffer.wrap(track, 10, 50);
    r.onFragment("a", 0, 10, data);
    assertThat(data.position()).isEqualTo(10);
    assertThat(data.limit()).isEqualTo(60);
  }

  @Test
  void countsDuplicatesAndIgnoresThem() {
    byte[] track = Fragments.track(4, 2 * CHUNK);
    Reassembler<String> r = reassembler(track.length, 2, 2, ChunkVerifier.ACCEPT_ALL);
    List<Fragment> fragments = Fragments.cut(track, CHUNK, FRAGMENT);
    Fragment first = fragments.get(0);
    assertThat(r.onFragment("a", 0, 0, first.data())).isEqualTo(Outcome.ACCEPTED);
    assertThat(r.onFragment("b", 0, 0, first.data())).isEqualTo(Outcome.DUPLICATE);
    for (Fragment f : fragments) {
      r.onFragment("a", f.chunk(), f.offset(), f.data());
    }
    assertThat(r.duplicateFragments()).isEqualTo(2);
    assertThat(r.onFragment("a", 0, 0, first.data())).isEqualTo(Outcome.NOT_WANTED);
    assertThat(verified).containsExactly(0, 1);
    assertThat(held(r, 0)).isEqualTo(Fragments.chunkBytes(track, CHUNK, 0));
  }

  @Test
  void acceptsMatchingOverlapsOfAnyShape() {
    byte[] track = Fragments.track(5, CHUNK);
    Reassembler<String> r = reassembler(track.length, 1, 1, ChunkVerifier.ACCEPT_ALL);
    Random random = new Random(6);
    for (int i = 0; i < 200; i++) {
      int off = random.nextInt(CHUNK);
      int len = 1 + random.nextInt(Math.min(FRAGMENT, CHUNK - off));
      Outcome o = r.onFragment("a", 0, off, ByteBuffer.wrap(track, off, len));
      assertThat(o).isIn(Outcome.ACCEPTED, Outcome.DUPLICATE);
    }
    assertThat(r.duplicateFragments()).isPositive();
    // Fill the gaps with fragments shifted by half a fragment, so most overlap partly.
    for (int off = 0; off < CHUNK; off += FRAGMENT / 2) {
      int len = Math.min(FRAGMENT, CHUNK - off);
      r.onFragment("a", 0, off, ByteBuffer.wrap(track, off, len));
    }
    assertThat(verified).containsExactly(0);
    assertThat(held(r, 0)).isEqualTo(track);
  }

  @Test
  void dropsAChunkWhoseOverlappingBytesDisagreeAndNamesItsSources() {
    byte[] track = Fragments.track(7, CHUNK);
    Reassembler<String> r = reassembler(track.length, 2, 2, ChunkVerifier.ACCEPT_ALL);
    r.onFragment("honest", 0, 0, ByteBuffer.wrap(track, 0, 1000));
    byte[] forged = Arrays.copyOfRange(track, 900, 1900);
    forged[50] ^= 1; // position 950, inside the overlap
    assertThat(r.onFragment("liar", 0, 900, ByteBuffer.wrap(forged)))
        .isEqualTo(Outcome.CONFLICT);
    assertThat(rejected).containsExactly("0 CONFLICTING_OVERLAP [honest, liar]");
    assertThat(r.isMissing(0)).isTrue();
    assertThat(r.pool().available()).isEqualTo(2);
    // Fetched again, the chunk completes.
    for (Fragment f : Fragments.cut(track, CHUNK, FRAGMENT)) {
      r.onFragment("honest", f.chunk(), f.offset(), f.data());
    }
    assertThat(verified).containsExactly(0);
    assertThat(held(r, 0)).isEqualTo(track);
  }

  @Test
  void rejectsFragmentsOutsideTheirChunk() {
    byte[] track = Fragments.track(8, CHUNK + 100);
    Reassembler<String> r = reassembler(track.length, 2, 2, ChunkVerifier.ACCEPT_ALL);
    ByteBuffer ten = ByteBuffer.wrap(new byte[10]);
    assertThat(r.onFragment("a", 0, -1, ten)).isEqualTo(Outcome.MALFORMED);
    assertThat(r.onFragment("a", 0, CHUNK - 9, ten)).isEqualTo(Outcome.MALFORMED);
    assertThat(r.onFragment("a", 1, 91, ten)).isEqualTo(Outcome.MALFORMED);
    assertThat(r.onFragment("a", 1, Integer.MAX_VALUE - 5, ten)).isEqualTo(Outcome.MALFORMED);
    assertThat(r.onFragment("a", 2, 0, ten)).isEqualTo(Outcome.MALFORMED);
    assertThat(r.onFragment("a", -1, 0, ten)).isEqualTo(Outcome.MALFORMED);
    assertThat(r.onFragment("a", 0, 0, ByteBuffer.allocate(0))).isEqualTo(Outcome.MALFORMED);
    assertThat(r.onFragment("a", 0, 0, ByteBuffer.allocate(CHUNK + 1)))
        .isEqualTo(Outcome.MALFORMED);
    assertThat(r.malformedFragments()).isEqualTo(8);
    assertThat(r.inAssembly()).isZero();
    assertThat(r.onFragment("a", 1, 90, ten)).isEqualTo(Outcome.ACCEPTED);
  }

  @Test
  void refusesNewChunksBeyondTheAssemblyLimit() {
    byte[] track = Fragments.track(9, 4 * CHUNK);
    Reassembler<String> r = reassembler(track.length, 4, 2, ChunkVerifier.ACCEPT_ALL);
    r.moveFirstWanted(0);
    assertThat(r.onFragment("a", 1, 0, ByteBuffer.wrap(track, CHUNK, 10))).isEqualTo(Outcome.ACCEPTED);
    assertThat(r.onFragment("a", 2, 0, ByteBuffer.wrap(track, 2 * CHUNK, 10)))
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(r.onFragment("a", 3, 0, ByteBuffer.wrap(track, 3 * CHUNK, 10)))
        .isEqualTo(Outcome.REFUSED);
    assertThat(r.refusedFragments()).isEqualTo(1);
    assertThat(r.inAssembly()).isEqualTo(2);
    // Fragments of chunks already in assembly still go in.
    assertThat(r.onFragment("a", 1, 10, ByteBuffer.wrap(track, CHUNK + 10, 10)))
        .isEqualTo(Outcome.ACCEPTED);
  }

  @Test
  void theFirstWantedChunkEvictsTheFurthestChunkInAssembly() {
    byte[] track = Fragments.track(10, 4 * CHUNK);
    Reassembler<String> r = reassembler(track.length, 4, 2, ChunkVerifier.ACCEPT_ALL);
    r.onFragment("a", 2, 0, ByteBuffer.wrap(track, 2 * CHUNK, 10));
    r.onFragment("a", 3, 0, ByteBuffer.wrap(track, 3 * CHUNK, 10));
    assertThat(r.onFragment("a", 0, 0, ByteBuffer.wrap(track, 0, 10))).isEqualTo(Outcome.ACCEPTED);
    assertThat(r.isMissing(3)).isTrue();
    assertThat(r.isMissing(2)).isFalse();
    assertThat(r.evictedChunks()).isEqualTo(1);
  }

  @Test
  void refusesNewChunksWhenThePoolIsExhaustedUnlessTheyAreFirstWanted() {
    byte[] track = Fragments.track(11, 4 * CHUNK);
    Reassembler<String> r = reassembler(track.length, 2, 2, ChunkVerifier.ACCEPT_ALL);
    for (Fragment f : Fragments.cut(track, CHUNK, FRAGMENT)) {
      if (f.chunk() == 1 || f.chunk() == 3) {
        r.onFragment("a", f.chunk(), f.offset(), f.data());
      }
    }
    assertThat(verified).containsExactly(1, 3);
    assertThat(r.pool().available()).isZero();
    assertThat(r.onFragment("a", 2, 0, ByteBuffer.wrap(track, 2 * CHUNK, 10)))
        .isEqualTo(Outcome.REFUSED);
    assertThat(r.refusedFragments()).isEqualTo(1);
    // Playback waits for chunk 0: it takes the buffer of the furthest verified chunk.
    assertThat(r.onFragment("a", 0, 0, ByteBuffer.wrap(track, 0, 10))).isEqualTo(Outcome.ACCEPTED);
    assertThat(r.isVerified(1)).isTrue();
    assertThat(r.isMissing(3)).isTrue();
  }

  @Test
  void reportsAChunkThatFailsVerificationWithItsSources() {
    byte[] track = Fragments.track(12, 2 * CHUNK);
    byte[] good = Fragments.chunkBytes(track, CHUNK, 1);
    ChunkVerifier v =
        (index, buf, off, len) ->
            index != 1 || Arrays.equals(buf, off, off + len, good, 0, good.length);
    Reassembler<String> r = reassembler(track.length, 2, 2, v);
    byte[] corrupt = track.clone();
    corrupt[CHUNK + 5000] ^= 0x40;
    List<Fragment> fragments = Fragments.cut(corrupt, CHUNK, FRAGMENT);
    Outcome last = null;
    for (int i = 0; i < fragments.size(); i++) {
      Fragment f = fragments.get(i);
      last = r.onFragment(i % 2 == 0 ? "p1" : "p2", f.chunk(), f.offset(), f.data());
    }
    assertThat(last).isEqualTo(Outcome.VERIFICATION_FAILED);
    assertThat(verified).containsExactly(0);
    assertThat(rejected).containsExactly("1 VERIFICATION_FAILED [p1, p2]");
    assertThat(r.rejectedChunks()).isEqualTo(1);
    assertThat(r.isMissing(1)).isTrue();
    assertThat(r.pool().available()).isEqualTo(1);
  }

  @Test
  void remembersAtMostTheSourceLimitPerChunk() {
    byte[] track = Fragments.track(13, 100);
    Reassembler<String> r =
        reassembler(track.length, 1, 1, (index, buf, off, len) -> false);
    for (int i = 0; i < Reassembler.MAX_SOURCES_PER_CHUNK + 2; i++) {
      r.onFragment("s" + i, 0, i * 10, ByteBuffer.wrap(track, i * 10, 10));
    }
    r.onFragment("last", 0, 60, ByteBuffer.wrap(track, 60, 40));
    assertThat(rejected).containsExactly("0 VERIFICATION_FAILED [s0, s1, s2, s3]");
  }

  @Test
  void ignoresFragmentsBehindTheFirstWantedChunkAndAfterClose() {
    byte[] track = Fragments.track(14, 3 * CHUNK);
    Reassembler<String> r = reassembler(track.length, 3, 3, ChunkVerifier.ACCEPT_ALL);
    r.onFragment("a", 0, 0, ByteBuffer.wrap(track, 0, 10));
    r.moveFirstWanted(1);
    assertThat(r.pool().available()).isEqualTo(3);
    assertThat(r.onFragment("a", 0, 10, ByteBuffer.wrap(track, 10, 10)))
        .isEqualTo(Outcome.NOT_WANTED);
    r.moveFirstWanted(0);
    assertThat(r.onFragment("a", 0, 10, ByteBuffer.wrap(track, 10, 10)))
        .isEqualTo(Outcome.ACCEPTED);
    r.close();
    assertThat(r.pool().available()).isEqualTo(3);
    assertThat(r.onFragment("a", 1, 0, ByteBuffer.wrap(track, CHUNK, 10)))
        .isEqualTo(Outcome.NOT_WANTED);
    assertThatThrownBy(() -> r.moveFirstWanted(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0..3");
  }

  @Test
  void enforcesItsLimits() {
    ChunkBufferPool pool = new ChunkBufferPool(Reassembler.MAX_IN_ASSEMBLY + 1, 64);
    assertThat(new Reassembler<>(1000, pool, Reassembler.MAX_IN_ASSEMBLY, ChunkVerifier.ACCEPT_ALL, listener).chunkCount())
        .isEqualTo(16);
    assertThatThrownBy(
            () -> new Reassembler<>(1000, pool, Reassembler.MAX_IN_ASSEMBLY + 1, ChunkVerifier.ACCEPT_ALL, listener))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxInAssembly");
    assertThatThrownBy(
            () -> new Reassembler<>(1000, new ChunkBufferPool(2, 64), 3, ChunkVerifier.ACCEPT_ALL, listener))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds the pool");
    assertThatThrownBy(() -> new Reassembler<>(-1, pool, 1, ChunkVerifier.ACCEPT_ALL, listener))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
    assertThatThrownBy(
            () -> new Reassembler<>(64L * Integer.MAX_VALUE + 64, pool, 1, ChunkVerifier.ACCEPT_ALL, listener))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too many chunks");
  }

  @Test
  void allocatesNothingPerFragmentInSteadyState() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    byte[] track = Fragments.track(15, 8 * CHUNK);
    List<Fragment> fragments = Fragments.shuffled(Fragments.cut(track, CHUNK, FRAGMENT), 16);
    Fragment[] order = fragments.toArray(new Fragment[0]);
    Reassembler<String> r = reassembler(track.length, 8, 8, ChunkVerifier.ACCEPT_ALL);
    Reassembler.Listener<String> quiet = listener;
    verified.clear();
    long threadId = Thread.currentThread().getId();
    int rounds = 200;
    long before = 0;
    for (int round = 0; round < rounds; round++) {
      if (round == rounds / 2) {
        before = threads.getThreadAllocatedBytes(threadId);
      }
      for (Fragment f : order) {
        r.onFragment("a", f.chunk(), f.offset(), f.data());
      }
      r.moveFirstWanted(r.chunkCount());
      r.moveFirstWanted(0);
    }
    long perFragment =
        (threads.getThreadAllocatedBytes(threadId) - before) / ((long) rounds / 2 * order.length);
    assertThat(quiet).isNotNull();
    // The listener boxes chunk indexes into a list; that is the test's, not the reassembler's.
    assertThat(perFragment).isLessThan(8);
  }
}
