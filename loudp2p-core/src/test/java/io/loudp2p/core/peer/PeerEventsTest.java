package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.testing.Await;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery of a peer's events: on one thread of their own, in order, under no lock of the
 * emitter, past a listener that throws, bounded when the listener is slow, and over when closed.
 */
class PeerEventsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Peer PEER = (Peer) Proxy.newProxyInstance(Peer.class.getClassLoader(),
      new Class<?>[] {Peer.class}, (proxy, method, args) -> switch (method.getName()) {
        case "toString" -> "a peer";
        case "hashCode" -> 1;
        case "equals" -> proxy == args[0];
        default -> throw new UnsupportedOperationException(method.getName());
      });

  private final List<PeerEvents> made = new ArrayList<>();
  private final long[] nowNs = {0};

  @AfterEach
  void tearDown() {
    made.forEach(PeerEvents::shutdown);
  }

  private PeerEvents events(Peer.Listener listener, int limit) {
    PeerEvents e = new PeerEvents(PEER, listener, "loudp2p-events-test", limit, () -> nowNs[0]);
    made.add(e);
    return e;
  }

  /** Hears {@code onBootstrapped(n)} as n, and the thread it was told on. */
  private static class Heard extends Peer.Listener {
    final List<Integer> numbers = new CopyOnWriteArrayList<>();
    final List<Thread> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onBootstrapped(Peer peer, int n) {
      assertThat(peer).isSameAs(PEER);
      threads.add(Thread.currentThread());
      numbers.add(n);
    }
  }

  private static List<Integer> upTo(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  @Test
  void eventsFromSeveralThreadsAreToldInTheirOrderOnOneThreadOfTheirOwn() throws Exception {
    Heard heard = new Heard();
    PeerEvents events = events(heard, 10_000);
    events.start();
    List<Thread> emitters = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      int base = t * 1000;
      emitters.add(new Thread(() -> {
        for (int i = 0; i < 1000; i++) {
          events.bootstrapped(base + i);
        }
      }));
    }
    emitters.forEach(Thread::start);
    for (Thread t : emitters) {
      t.join(WAIT.toMillis());
    }

    Await.until(() -> heard.numbers.size() == 3000, WAIT, "every event told");
    assertThat(heard.threads).extracting(Thread::getName).containsOnly("loudp2p-events-test");
    assertThat(heard.threads.stream().distinct()).hasSize(1);
    for (int t = 0; t < 3; t++) {
      int base = t * 1000;
      assertThat(heard.numbers.stream().filter(n -> n >= base && n < base + 1000))
          .as("the events of emitter %d, in its order", t)
          .containsExactlyElementsOf(upTo(1000).stream().map(i -> base + i).toList());
    }
    assertThat(events.dropped()).isZero();
  }

  @Test
  void theListenerRunsUnderNoLockOfTheEmitterNorOfTheQueue() throws Exception {
    Object table = new Object(); // a part's lock, held while it queues an event
    List<Boolean> heldThere = new CopyOnWriteArrayList<>();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    PeerEvents events = events(new Peer.Listener() {
      @Override
      public void onStarted(Peer peer) {
        heldThere.add(Thread.holdsLock(table));
        inside.countDown();
        await(release); // a listener that takes its time
      }
    }, 16);
    events.start();

    synchronized (table) {
      events.started();
      // Told on another thread while the emitter still holds its lock: not under it.
      assertThat(inside.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }
    assertThat(heldThere).containsExactly(false);
    // While the listener is busy, events are still queued at once: no lock of the queue is held.
    Thread emitter = new Thread(() -> {
      for (int i = 0; i < 100; i++) {
        events.bootstrapped(i);
      }
    });
    emitter.start();
    emitter.join(WAIT.toMillis());
    assertThat(emitter.isAlive()).as("the emitter waited for the listener").isFalse();
    release.countDown();
  }

  @Test
  void aListenerThatThrowsIsToldTheNextEventsAllTheSame() {
    Heard heard = new Heard() {
      @Override
      public void onBootstrapped(Peer peer, int n) {
        super.onBootstrapped(peer, n);
        if (n % 2 == 0) {
          throw new IllegalStateException("listener bug " + n);
        }
      }
    };
    PeerEvents events = events(heard, 16);
    events.start();
    for (int i = 0; i < 10; i++) {
      events.bootstrapped(i);
    }
    Await.until(() -> heard.numbers.size() == 10, WAIT, "every event told");
    assertThat(heard.numbers).containsExactlyElementsOf(upTo(10));
  }

  @Test
  void pastTheLimitEventsAreDroppedCountedAndWarnedOfNowAndThen() {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Heard heard = heldOnTheFirst(inside, release);
    PeerEvents events = events(heard, 8);
    events.start();
    events.bootstrapped(0);
    await(inside); // the listener holds the first event; the queue is empty
    for (int i = 1; i <= 13; i++) {
      events.bootstrapped(i);
    }
    assertThat(events.dropped()).isEqualTo(5);
    assertThat(events.dropWarnings()).as("one warning for a burst").isEqualTo(1);

    nowNs[0] += PeerEvents.DROP_WARNING_PERIOD.toNanos() - 1;
    events.bootstrapped(14);
    assertThat(events.dropWarnings()).isEqualTo(1);
    nowNs[0] += 1;
    events.bootstrapped(15);
    assertThat(events.dropped()).isEqualTo(7);
    assertThat(events.dropWarnings()).as("another once the period passed").isEqualTo(2);

    release.countDown();
    Await.until(() -> heard.numbers.size() == 9, WAIT, "the queued events told");
    assertThat(heard.numbers).containsExactlyElementsOf(upTo(9));
  }

  @Test
  void aPeersQueueHoldsItsLimitOfEventsAndNoMore() {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Heard heard = heldOnTheFirst(inside, release);
    PeerEvents events = PeerEvents.of(PEER, Identity.generate().peerId(), heard, () -> nowNs[0]);
    made.add(events);
    events.start();
    events.bootstrapped(0);
    await(inside);
    for (int i = 1; i <= PeerEvents.MAX_QUEUED + 10; i++) {
      events.bootstrapped(i);
    }
    assertThat(PeerEvents.MAX_QUEUED).isEqualTo(4096);
    assertThat(events.dropped()).isEqualTo(10);

    release.countDown();
    Await.until(() -> heard.numbers.size() == PeerEvents.MAX_QUEUED + 1, WAIT, "told");
    assertThat(heard.threads.get(0).getName()).startsWith("loudp2p-events-").hasSize(23);
  }

  @Test
  void closeReturnsOnceWhatCameBeforeIsToldAndNothingAfterIs() throws Exception {
    Heard heard = new Heard();
    PeerEvents events = events(heard, 1000);
    events.start();
    for (int i = 0; i < 500; i++) {
      events.bootstrapped(i);
    }
    events.close();

    assertThat(heard.numbers).as("told before close returned").containsExactlyElementsOf(upTo(500));
    assertThat(heard.threads.get(0).isAlive()).isFalse();
    events.bootstrapped(500);
    events.start();
    assertThat(heard.numbers).hasSize(500);
    assertThat(events.dropped()).isZero();
  }

  @Test
  void closeWaitsForABusyListenerToTakeWhatCameBefore() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Heard heard = new Heard() {
      @Override
      public void onBootstrapped(Peer peer, int n) {
        if (n == 0) {
          inside.countDown();
          PeerEventsTest.await(release);
        }
        super.onBootstrapped(peer, n);
      }
    };
    PeerEvents events = events(heard, 16);
    events.start();
    for (int i = 0; i < 5; i++) {
      events.bootstrapped(i);
    }
    await(inside);
    List<Integer> toldWhenClosed = new CopyOnWriteArrayList<>();
    Thread closer = new Thread(() -> {
      events.close();
      toldWhenClosed.add(heard.numbers.size());
    });
    closer.start();
    Await.until(() -> closer.getState() == Thread.State.TIMED_WAITING, WAIT, "close waits");
    assertThat(toldWhenClosed).as("close returned before the listener took its events").isEmpty();

    release.countDown();
    closer.join(WAIT.toMillis());
    assertThat(toldWhenClosed).containsExactly(5);
  }

  @Test
  void closedFromTheListenerItDoesNotWaitForItselfAndTellsWhatCameBefore() {
    List<PeerEvents> self = new ArrayList<>();
    Heard heard = new Heard() {
      @Override
      public void onBootstrapped(Peer peer, int n) {
        super.onBootstrapped(peer, n);
        if (n == 0) {
          self.get(0).close();
        }
      }
    };
    PeerEvents events = events(heard, 16);
    self.add(events);
    for (int i = 0; i < 5; i++) {
      events.bootstrapped(i);
    }
    events.start();
    Await.until(() -> !heard.threads.isEmpty() && !heard.threads.get(0).isAlive(), WAIT,
        "the events' thread ended");
    assertThat(heard.numbers).containsExactlyElementsOf(upTo(5));
  }

  @Test
  void withoutAListenerNothingIsQueuedAndNoThreadStarts() {
    PeerEvents events = new PeerEvents(PEER, Peer.Listener.NONE, "loudp2p-events-none", 1,
        () -> nowNs[0]);
    events.start();
    for (int i = 0; i < 10; i++) {
      events.bootstrapped(i);
    }
    assertThat(events.enabled()).isFalse();
    assertThat(events.dropped()).isZero();
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
        .doesNotContain("loudp2p-events-none");
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** A listener that, told its first bootstrap event (0), says so and waits for {@code release}. */
  private static Heard heldOnTheFirst(CountDownLatch inside, CountDownLatch release) {
    return new Heard() {
      @Override
      public void onBootstrapped(Peer peer, int n) {
        super.onBootstrapped(peer, n);
        if (n == 0) {
          inside.countDown();
          await(release);
        }
      }
    };
  }
}
