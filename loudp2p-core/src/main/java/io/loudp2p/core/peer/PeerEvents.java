package io.loudp2p.core.peer;

import io.loudp2p.NetworkStatus;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.ScanReport;
import io.loudp2p.TrackId;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a peer's events to its {@link Peer.Listener} as that class promises: the parts of the peer
 * queue an event where it happens, from any thread and under any lock of theirs, and one thread of
 * this class's own tells them to the listener, in the order queued, holding no lock at all.
 *
 * <p>The queue is bounded ({@link #MAX_QUEUED}): past it an event is dropped and counted, with a
 * WARN at most every {@link #DROP_WARNING_PERIOD}. {@link #shutdown()} refuses new events; {@link
 * #close()} also waits, at most {@link #CLOSE_WAIT}, until the listener took those queued before.
 * With {@link Peer.Listener#NONE} nothing is queued and no thread is started.
 *
 * <p>The only lock is this class's own, held to queue and take an event and never while the
 * listener runs: a part may queue under its own lock (a table's, a session's) without ever
 * waiting for the listener. Thread-safe.
 */
final class PeerEvents implements PeerTable.Changes {
  private static final Logger log = LoggerFactory.getLogger(PeerEvents.class);

  /** The most events that wait for the listener; more are dropped. */
  static final int MAX_QUEUED = 4096;
  /** The least time between two warnings of dropped events. */
  static final Duration DROP_WARNING_PERIOD = Duration.ofSeconds(10);
  /** How long {@link #close()} waits for the listener to take the events queued before it. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  /** One event: its listener method, for the log, and the call that tells it. */
  private record Event(String name, Consumer<Peer.Listener> call) {}

  private final Peer peer;
  private final Peer.Listener listener;
  private final String threadName;
  private final int limit;
  private final LongSupplier nanoTime;
  private final Object lock = new Object();
  private final ArrayDeque<Event> queue = new ArrayDeque<>(); // guarded by lock
  private boolean closing; // guarded by lock
  private long dropped; // guarded by lock
  private long warnings; // guarded by lock
  private long lastWarningNs; // guarded by lock
  private @Nullable Thread thread; // guarded by lock

  /**
   * Events of {@code peer} for {@code listener}, told on a thread named {@code threadName} once
   * {@link #start()}ed; at most {@code limit} wait. Warnings are spaced by {@code nanoTime}.
   */
  PeerEvents(Peer peer, Peer.Listener listener, String threadName, int limit,
      LongSupplier nanoTime) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    this.peer = peer;
    this.listener = listener;
    this.threadName = threadName;
    this.limit = limit;
    this.nanoTime = nanoTime;
  }

  /** The events of the peer {@code id}, on thread {@code loudp2p-events-} and its ID's start. */
  static PeerEvents of(Peer peer, PeerId id, Peer.Listener listener, LongSupplier nanoTime) {
    return new PeerEvents(peer, listener, "loudp2p-events-" + id.toString().substring(0, 8),
        MAX_QUEUED, nanoTime);
  }

  /** Whether anybody hears the events: work done only to tell them may be skipped when not. */
  boolean enabled() {
    return listener != Peer.Listener.NONE;
  }

  void started() {
    emit("onStarted", l -> l.onStarted(peer));
  }

  void catalogReady(ScanReport report) {
    emit("onCatalogReady", l -> l.onCatalogReady(peer, report));
  }

  void bootstrapped(int peersKnown) {
    emit("onBootstrapped", l -> l.onBootstrapped(peer, peersKnown));
  }

  @Override
  public void joined(PeerTable.Entry entry) {
    if (enabled()) {
      io.loudp2p.PeerInfo info = PeerStore.info(entry);
      emit("onPeerJoined", l -> l.onPeerJoined(peer, info));
    }
  }

  @Override
  public void left(PeerId id) {
    emit("onPeerLeft", l -> l.onPeerLeft(peer, id));
  }

  void roleChanged(Role from, Role to) {
    emit("onRoleChanged", l -> l.onRoleChanged(peer, from, to));
  }

  void sessionServed(PeerId receiver, TrackId track) {
    emit("onSessionServed", l -> l.onSessionServed(peer, receiver, track));
  }

  void sessionEnded(PeerId receiver, TrackId track) {
    emit("onSessionEnded", l -> l.onSessionEnded(peer, receiver, track));
  }

  void networkChanged(NetworkStatus status) {
    emit("onNetworkChanged", l -> l.onNetworkChanged(peer, status));
  }

  /**
   * Queues an event (named by its listener method, for the log), unless this is shutting down or
   * the queue is full: then it is dropped and counted. Never waits for the listener.
   */
  void emit(String name, Consumer<Peer.Listener> call) {
    if (!enabled()) {
      return;
    }
    long total;
    synchronized (lock) {
      if (closing) {
        return;
      }
      if (queue.size() < limit) {
        queue.add(new Event(name, call));
        if (queue.size() == 1) {
          lock.notifyAll(); // the thread waits only on an empty queue
        }
        return;
      }
      dropped++;
      long now = nanoTime.getAsLong();
      if (warnings > 0 && now - lastWarningNs < DROP_WARNING_PERIOD.toNanos()) {
        return;
      }
      warnings++;
      lastWarningNs = now;
      total = dropped;
    }
    log.warn("{}: the peer's listener is slow: {} events wait for it, the most kept; {} dropped"
        + " so far (the last {})", threadName, limit, total, name);
  }

  /** Starts telling the listener the events queued so far and those to come. */
  void start() {
    if (!enabled()) {
      return;
    }
    synchronized (lock) {
      if (thread != null || closing) {
        return;
      }
      Thread t = new Thread(this::run, threadName);
      t.setDaemon(true);
      thread = t;
      t.start();
    }
  }

  /** Refuses every event from now on; those queued before are still told. */
  void shutdown() {
    synchronized (lock) {
      closing = true;
      lock.notifyAll();
    }
  }

  /**
   * Shuts down and waits until the listener took the events queued before, at most {@link
   * #CLOSE_WAIT}; then drops those it did not begin. Returns at once on the events' own thread,
   * which cannot wait for itself.
   */
  void close() {
    shutdown();
    Thread t;
    synchronized (lock) {
      t = thread;
    }
    if (t == null || t == Thread.currentThread()) {
      return;
    }
    try {
      t.join(CLOSE_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      int left;
      synchronized (lock) {
        left = queue.size();
        queue.clear();
      }
      log.warn("{}: the peer's listener is still busy {} s after close; {} events not told",
          threadName, CLOSE_WAIT.toSeconds(), left);
    }
  }

  /** Events dropped so far because the queue was full. */
  long dropped() {
    synchronized (lock) {
      return dropped;
    }
  }

  /** Warnings of dropped events logged so far. */
  long dropWarnings() {
    synchronized (lock) {
      return warnings;
    }
  }

  private void run() {
    while (true) {
      Event e;
      synchronized (lock) {
        while (queue.isEmpty() && !closing) {
          try {
            lock.wait();
          } catch (InterruptedException ignored) {
            // Only a listener interrupts this thread: its events go on all the same.
          }
        }
        e = queue.poll();
      }
      if (e == null) {
        return; // shut down, and every event queued before told
      }
      try {
        e.call().accept(listener);
      } catch (VirtualMachineError fatal) {
        throw fatal;
      } catch (Throwable t) {
        log.warn("{}: the peer's listener threw in {}", threadName, e.name(), t);
      }
    }
  }
}
