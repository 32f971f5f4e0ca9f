package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.core.stream.internal.Fragments.Fragment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChunkBufferTest {
  private static final int CHUNK = 1024;
  private static final int FRAGMENT = 300;
  private static final long WAIT_SECONDS = 10;

  private final List<Thread> readers = new ArrayList<>();
  private final List<String> rejected = new ArrayList<>();

  @AfterEach
  void stopReaders() throws InterruptedException {
    for (Thread t : readers) {
      t.interrupt();
      t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    }
  }

  private ChunkBuffer<String> buffer(int length, int buffers) {
    return new ChunkBuffer<>(
        length, CHUNK, buffers, buffers, ChunkVerifier.ACCEPT_ALL,
        (index, reason, sources) -> rejected.add(index + " " + reason));
  }

  private static void deliver(ChunkBuffer<String> b, List<Fragment> fragments, int chunk) {
    for (Fragment f : fragments) {
      if (f.chunk() == chunk) {
        b.onFragment("src", f.chunk(), f.offset(), f.data());
      }
    }
  }

  private static byte[] readAll(OrderedChunkStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[700];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /** Starts a blocking read of {@code len} bytes and waits until the reader is parked. */
  private CompletableFuture<byte[]> blockedRead(OrderedChunkStream in, int len)
      throws InterruptedException {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                byte[] got = new byte[len];
                int n = in.read(got, 0, len);
                result.complete(Arrays.copyOf(got, Math.max(n, 0)));
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "reader");
    readers.add(t);
    t.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (t.getState() != Thread.State.WAITING && !result.isDone()) {
      assertThat(System.nanoTime()).as("reader never blocked").isLessThan(deadline);
      Thread.onSpinWait();
    }
    assertThat(result).isNotDone();
    return result;
  }

  @Test
  void readsTheTrackInOrderWhateverOrderChunksArriveIn() throws IOException {
    byte[] track = Fragments.track(20, 9 * CHUNK + 5);
    ChunkBuffer<String> b = buffer(track.length, 10);
    for (Fragment f : Fragments.shuffled(Fragments.cut(track, CHUNK, FRAGMENT), 21)) {
      b.onFragment("src", f.chunk(), f.offset(), f.data());
    }
    assertThat(readAll(b.inputStream())).isEqualTo(track);
    assertThat(b.stats().verifiedChunks()).isEqualTo(10);
  }

  @Test
  void releasesChunkBuffersOnceReadPast() throws IOException {
    byte[] track = Fragments.track(22, 4 * CHUNK);
    ChunkBuffer<String> b = buffer(track.length, 4);
    List<Fragment> fragments = Fragments.cut(track, CHUNK, FRAGMENT);
    for (int c = 0; c < 4; c++) {
      deliver(b, fragments, c);
    }
    assertThat(b.freeBuffers()).isZero();
    OrderedChunkStream in = b.inputStream();
    byte[] part = new byte[CHUNK - 1];
    assertThat(in.read(part)).isEqualTo(CHUNK - 1);
    assertThat(b.freeBuffers()).isZero();
    assertThat(in.available()).isEqualTo(1);
    assertThat(in.read()).isEqualTo(track[CHUNK - 1] & 0xff);
    assertThat(b.freeBuffers()).isEqualTo(1);
    assertThat(b.isVerified(0)).isFalse();
    assertThat(in.position()).isEqualTo(CHUNK);
  }

  @Test
  void seeksForwardAndBackToAnyByte() throws IOException {
    byte[] track = Fragments.track(23, 6 * CHUNK);
    ChunkBuffer<String> b = buffer(track.length, 6);
    List<Fragment> fragments = Fragments.cut(track, CHUNK, FRAGMENT);
    for (int c = 0; c < 6; c++) {
      deliver(b, fragments, c);
    }
    OrderedChunkStream in = b.inputStream();
    in.seek(3 * CHUNK + 17);
    assertThat(b.freeBuffers()).as("chunks 0..2 released").isEqualTo(3);
    byte[] got = new byte[10];
    assertThat(in.read(got)).isEqualTo(10);
    assertThat(got).isEqualTo(Arrays.copyOfRange(track, 3 * CHUNK + 17, 3 * CHUNK + 27));
    in.seek(CHUNK + 1);
    assertThat(b.isMissing(1)).as("released chunks must be fetched again").isTrue();
    assertThat(in.available()).isZero();
    deliver(b, fragments, 1);
    assertThat(in.read(got)).isEqualTo(10);
    assertThat(got).isEqualTo(Arrays.copyOfRange(track, CHUNK + 1, CHUNK + 11));
    assertThat(in.skip(2 * CHUNK)).isEqualTo(2 * CHUNK);
    assertThat(in.position()).isEqualTo(3 * CHUNK + 11);
    in.seek(track.length);
    assertThat(in.read()).isEqualTo(-1);
    assertThatThrownBy(() -> in.seek(track.length + 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0.." + track.length);
    assertThatThrownBy(() -> in.seek(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void blockedReadIsWokenWhenTheChunkArrives() throws Exception {
    byte[] track = Fragments.track(24, 2 * CHUNK);
    ChunkBuffer<String> b = buffer(track.length, 2);
    List<Fragment> fragments = Fragments.cut(track, CHUNK, FRAGMENT);
    deliver(b, fragments, 1);
    CompletableFuture<byte[]> read = blockedRead(b.inputStream(), 100);
    deliver(b, fragments, 0);
    assertThat(read.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(Arrays.copyOfRange(track, 0, 100));
  }

  @Test
  void blockedReadIsWokenByCloseWithAClearError() throws Exception {
    ChunkBuffer<String> b = buffer(3 * CHUNK, 2);
    CompletableFuture<byte[]> read = blockedRead(b.inputStream(), 100);
    b.inputStream().close();
    assertThatThrownBy(() -> read.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessage("stream closed");
    assertThat(b.freeBuffers()).isEqualTo(2);
    assertThatThrownBy(() -> b.inputStream().read()).hasMessage("stream closed");
  }

  @Test
  void blockedReadIsWokenByFailureWithItsCause() throws Exception {
    ChunkBuffer<String> b = buffer(3 * CHUNK, 2);
    CompletableFuture<byte[]> read = blockedRead(b.inputStream(), 100);
    IllegalStateException cause = new IllegalStateException("every source is gone");
    b.fail(cause);
    assertThatThrownBy(() -> read.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessageContaining("every source is gone")
        .hasCause(cause);
  }

  @Test
  void rejectedChunksReachTheListener() {
    ChunkBuffer<String> b =
        new ChunkBuffer<>(
            CHUNK, CHUNK, 1, 1, (i, buf, off, len) -> false,
            (index, reason, sources) -> rejected.add(index + " " + reason + " " + sources));
    byte[] track = Fragments.track(25, CHUNK);
    deliver(b, Fragments.cut(track, CHUNK, FRAGMENT), 0);
    assertThat(rejected).containsExactly("0 VERIFICATION_FAILED [src]");
    assertThat(b.stats().rejectedChunks()).isEqualTo(1);
    assertThat(b.isMissing(0)).isTrue();
  }

  @Test
  void takesFragmentsFromSeveralThreadsWhileAReaderStreams() throws Exception {
    byte[] track = Fragments.track(26, 64 * CHUNK + 3);
    // Fewer buffers than chunks: the reader must release chunks for the rest to fit.
    ChunkBuffer<String> b =
        new ChunkBuffer<>(track.length, CHUNK, 16, 8, ChunkVerifier.ACCEPT_ALL,
            (index, reason, sources) -> rejected.add(index + " " + reason));
    List<Fragment> fragments = Fragments.cut(track, CHUNK, FRAGMENT);
    CompletableFuture<byte[]> reader =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return readAll(b.inputStream());
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    // Two sources both send every chunk, each in its own order, re-sending what was refused,
    // until the reader has everything, as a scheduler asking again would.
    List<CompletableFuture<Void>> senders = new ArrayList<>();
    for (String source : List.of("p1", "p2")) {
      List<Fragment> order = Fragments.shuffled(fragments, source.hashCode());
      senders.add(
          CompletableFuture.runAsync(
              () -> {
                while (!reader.isDone()) {
                  for (Fragment f : order) {
                    b.onFragment(source, f.chunk(), f.offset(), f.data());
                  }
                }
              }));
    }
    assertThat(reader.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(track);
    CompletableFuture.allOf(senders.toArray(new CompletableFuture<?>[0]))
        .get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(rejected).isEmpty();
    assertThat(b.stats().verifiedChunks()).isGreaterThanOrEqualTo(65);
  }

  @Test
  void blockedReadFollowsASeekToVerifiedBytes() throws Exception {
    byte[] track = Fragments.track(27, 3 * CHUNK);
    ChunkBuffer<String> b = buffer(track.length, 3);
    deliver(b, Fragments.cut(track, CHUNK, FRAGMENT), 2);
    CompletableFuture<byte[]> read = blockedRead(b.inputStream(), 5);
    b.inputStream().seek(2 * CHUNK + 100);
    assertThat(read.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo(Arrays.copyOfRange(track, 2 * CHUNK + 100, 2 * CHUNK + 105));
  }

  @Test
  void interruptingABlockedReaderEndsItsRead() throws Exception {
    ChunkBuffer<String> b = buffer(CHUNK, 1);
    CompletableFuture<byte[]> read = blockedRead(b.inputStream(), 5);
    readers.get(readers.size() - 1).interrupt();
    assertThatThrownBy(() -> read.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(java.io.InterruptedIOException.class);
  }
}
