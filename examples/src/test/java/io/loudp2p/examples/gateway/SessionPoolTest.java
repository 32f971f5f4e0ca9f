package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.StreamStats;
import io.loudp2p.TrackId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class SessionPoolTest {
  private static final long SECOND = 1_000_000_000L;
  private static final TrackId A = id(1);
  private static final TrackId B = id(2);
  private static final TrackId C = id(3);

  private final List<FakeSession> made = new ArrayList<>();
  private final SessionPool pool = new SessionPool(this::open, 2, Duration.ofSeconds(20),
      Duration.ofMillis(200), Duration.ofSeconds(30));

  private CompletableFuture<StreamSession> open(TrackId track) {
    FakeSession s = new FakeSession(track);
    made.add(s);
    return CompletableFuture.completedFuture(s);
  }

  @Test
  void reusesTheSessionAResponseGaveBack() throws Exception {
    SessionPool.Lease first = pool.acquire(A, 0);
    first.release(SECOND);
    SessionPool.Lease second = pool.acquire(A, 2 * SECOND);

    assertThat(second.session()).isSameAs(first.session());
    assertThat(second.reused()).isTrue();
    assertThat(first.reused()).isFalse();
    assertThat(made).hasSize(1);
  }

  @Test
  void opensAnotherSessionWhileTheFirstIsLent() throws Exception {
    SessionPool.Lease first = pool.acquire(A, 0);
    SessionPool.Lease second = pool.acquire(A, 0);

    assertThat(second.session()).isNotSameAs(first.session());
    assertThat(pool.open()).isEqualTo(2);
  }

  @Test
  void refusesWhenEverySessionIsLentAndEvictsTheOldestIdleOtherwise() throws Exception {
    SessionPool.Lease a = pool.acquire(A, 0);
    SessionPool.Lease b = pool.acquire(B, 0);
    assertThatThrownBy(() -> pool.acquire(C, 0)).isInstanceOf(SessionPool.NoCapacityException.class);

    a.release(SECOND);
    b.release(2 * SECOND);
    SessionPool.Lease c = pool.acquire(C, 3 * SECOND);

    assertThat(made.get(0).closed).as("the oldest idle session, A's").isTrue();
    assertThat(made.get(1).closed).isFalse();
    assertThat(c.session().trackId()).isEqualTo(C);
    assertThat(pool.open()).isEqualTo(2);
  }

  @Test
  void closesIdleSessionsAfterTheIdleTime() throws Exception {
    pool.acquire(A, 0).release(SECOND);
    pool.sweep(20 * SECOND);
    assertThat(made.get(0).closed).isFalse();

    pool.sweep(21 * SECOND);

    assertThat(made.get(0).closed).isTrue();
    assertThat(pool.open()).isZero();
  }

  @Test
  void cutsOffAResponseThatMadeNoProgressForTheStallTime() throws Exception {
    SessionPool.Lease lease = pool.acquire(A, 0);
    lease.progress(10 * SECOND);
    pool.sweep(39 * SECOND);
    assertThat(made.get(0).closed).isFalse();

    pool.sweep(40 * SECOND);

    assertThat(made.get(0).closed).isTrue();
    lease.discard();
    assertThat(pool.open()).isZero();
  }

  @Test
  void neverLendsOutAFailedSessionAgain() throws Exception {
    SessionPool.Lease lease = pool.acquire(A, 0);
    lease.release(0);
    made.get(0).completion.completeExceptionally(new IOException("no sources"));

    SessionPool.Lease next = pool.acquire(A, SECOND);

    assertThat(next.session()).isNotSameAs(lease.session());
    assertThat(made.get(0).closed).isTrue();
    assertThat(pool.open()).isEqualTo(1);
  }

  @Test
  void aSessionThatCannotOpenFreesItsSlot() {
    SessionPool failing = new SessionPool(
        t -> CompletableFuture.failedFuture(new IOException("no known peer holds track")), 1,
        Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
    assertThatThrownBy(() -> failing.acquire(A, 0)).isInstanceOf(IOException.class)
        .hasMessageContaining("no known peer");
    assertThat(failing.open()).isZero();

    SessionPool slow = new SessionPool(t -> new CompletableFuture<>(), 1, Duration.ofSeconds(1),
        Duration.ofMillis(10), Duration.ofSeconds(1));
    assertThatThrownBy(() -> slow.acquire(A, 0)).isInstanceOf(TimeoutException.class);
    assertThat(slow.open()).isZero();
  }

  @Test
  void closingClosesLentAndIdleSessionsAndRefusesMore() throws Exception {
    SessionPool.Lease lent = pool.acquire(A, 0);
    pool.acquire(B, 0).release(0);

    pool.close();

    assertThat(made).allSatisfy(s -> assertThat(s.closed).isTrue());
    assertThatThrownBy(() -> pool.acquire(A, 0)).isInstanceOf(IOException.class);
    lent.release(0);
  }

  @Test
  void watchesTheLentSessionThatMovedBytesLastElseTheLastIdleOne() throws Exception {
    assertThat(pool.watch(A)).isNull();
    SessionPool.Lease first = pool.acquire(A, 0);
    SessionPool.Lease second = pool.acquire(A, 0);
    first.progress(5 * SECOND);
    second.progress(3 * SECOND);
    assertThat(pool.watch(A)).isSameAs(first.session());
    assertThat(pool.watch(B)).isNull();

    second.progress(6 * SECOND);
    assertThat(pool.watch(A)).isSameAs(second.session());

    second.release(7 * SECOND);
    assertThat(pool.watch(A)).as("a lent session before an idle one").isSameAs(first.session());
    first.release(8 * SECOND);
    assertThat(pool.watch(A)).as("the idle one given back last").isSameAs(first.session());
    pool.sweep(100 * SECOND);
    assertThat(pool.watch(A)).isNull();
  }

  @Test
  void handsEverySessionToTheRetiringCallbackJustBeforeClosingIt() throws Exception {
    List<String> retired = new ArrayList<>();
    SessionPool watched = new SessionPool(this::open, 2, Duration.ofSeconds(20),
        Duration.ofMillis(200), Duration.ofSeconds(30), s -> {
          retired.add(s.trackId() == A ? "A" : "B");
          assertThat(((FakeSession) s).closed).as("still open when retiring").isFalse();
          throw new IllegalStateException("ignored: the session is closed all the same");
        });
    watched.acquire(A, 0).release(SECOND);
    watched.sweep(30 * SECOND);
    assertThat(retired).containsExactly("A");
    assertThat(made.get(0).closed).isTrue();

    watched.acquire(B, 0).discard();
    SessionPool.Lease stalled = watched.acquire(B, 0);
    watched.sweep(40 * SECOND);
    watched.sweep(41 * SECOND);
    assertThat(retired).as("a stalled session, once").containsExactly("A", "B", "B");
    assertThat(watched.watch(B)).as("a stalled session is not watched").isNull();
    stalled.discard();
    watched.acquire(A, 50 * SECOND);
    watched.close();
    assertThat(retired).containsExactly("A", "B", "B", "A");
    assertThat(made).allSatisfy(s -> assertThat(s.closed).isTrue());
  }

  private static TrackId id(int n) {
    byte[] b = new byte[TrackId.LENGTH];
    b[0] = (byte) n;
    return TrackId.fromBytes(b);
  }

  private static final class FakeSession implements StreamSession {
    final TrackId track;
    final CompletableFuture<Void> completion = new CompletableFuture<>();
    volatile boolean closed;

    FakeSession(TrackId track) {
      this.track = track;
    }

    @Override
    public TrackId trackId() {
      return track;
    }

    @Override
    public long length() {
      return 10;
    }

    @Override
    public InputStream inputStream() {
      return new ByteArrayInputStream(new byte[10]);
    }

    @Override
    public void seek(long byteOffset) {}

    @Override
    public List<SourceStats> sources() {
      return List.of();
    }

    @Override
    public StreamStats stats() {
      throw new UnsupportedOperationException("the pool never asks a session for stats");
    }

    @Override
    public CompletableFuture<Void> completion() {
      return completion;
    }

    @Override
    public void close() {
      closed = true;
      completion.completeExceptionally(new IOException("closed"));
    }
  }
}
