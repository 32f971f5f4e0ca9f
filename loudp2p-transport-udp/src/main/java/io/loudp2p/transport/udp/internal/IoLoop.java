package io.loudp2p.transport.udp.internal;

import io.loudp2p.core.internal.ThrottledLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.function.Consumer;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One I/O thread with a {@link Selector} serving many sessions' sockets: a duty cycle that reads
 * what arrived, runs tasks handed over by other threads, services sessions with new work, and once
 * per tick runs the timers of every session whose deadline passed.
 *
 * <p>Everything a session does happens on its loop's thread; other threads only {@link #execute}.
 * The buffers are allocated once and shared by the loop's sessions.
 *
 * <p>Once stopped, a loop runs the tasks already handed over, ends the sessions it still serves,
 * closes every socket registered with it, and refuses further tasks: {@link #execute} returns
 * false, so that a caller can fail what it was about to start instead of waiting for it forever.
 */
final class IoLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(UdpLoggers.UDP);
  /** For failures per datagram or task, which a remote sender or a bug repeats at any rate. */
  private static final ThrottledLog perEvent = new ThrottledLog(log);

  /** How often every session's timers are looked at, at the most. */
  static final long TICK_NS = 1_000_000L;

  /** Something registered with the selector. */
  interface Endpoint {
    void onReadable(long nowNs);
  }

  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final List<Connection> connections = new ArrayList<>();
  private final ArrayDeque<Connection> dirty = new ArrayDeque<>();
  private volatile boolean running = true;
  /** Set when the loop has left its duty cycle: no task handed over from now on will run. */
  private volatile boolean terminated;
  private long nextTickNs;
  private long nextWakeNs;

  // Heap buffers: the AEAD works on arrays (see SessionCrypto); the channel copies through its own
  // cached direct buffer either way.
  final ByteBuffer receiveBuffer = ByteBuffer.allocate(Wire.MAX_DATAGRAM + 1);
  final ByteBuffer openBuffer = ByteBuffer.allocate(Wire.MAX_DATAGRAM);
  final ByteBuffer plainBuffer = ByteBuffer.allocate(Wire.MAX_DATAGRAM);
  final ByteBuffer sendBuffer = ByteBuffer.allocate(Wire.MAX_DATAGRAM);

  IoLoop(String name) throws IOException {
    this.selector = Selector.open();
    this.thread = new Thread(this, name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  Selector selector() {
    return selector;
  }

  Thread thread() {
    return thread;
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /**
   * Runs {@code task} on the loop thread: at once when called there, else soon.
   *
   * @return false when the loop has stopped: the task will never run
   */
  boolean execute(Runnable task) {
    if (inLoop()) {
      task.run();
      return true;
    }
    return enqueue(task);
  }

  /**
   * Runs {@code task} on the loop thread after what runs now, even when called there.
   *
   * @return false when the loop has stopped: the task will never run
   */
  boolean executeLater(Runnable task) {
    if (inLoop()) {
      tasks.add(task); // the duty cycle, or the loop's last drain, runs it
      return true;
    }
    return enqueue(task);
  }

  private boolean enqueue(Runnable task) {
    if (terminated) {
      return false;
    }
    tasks.add(task);
    // The loop may have drained its queue for the last time in between: whoever takes the task
    // out first owns it, the loop to run it or this thread to refuse it.
    if (terminated && tasks.remove(task)) {
      return false;
    }
    selector.wakeup();
    return true;
  }

  /** Whether the loop has stopped and refuses tasks. */
  boolean terminated() {
    return terminated;
  }

  /** How many sessions the loop serves. */
  int connectionCount() {
    return connections.size();
  }

  List<Connection> connections() {
    return connections;
  }

  void add(Connection c) {
    c.loopIndex = connections.size();
    connections.add(c);
    markDirty(c);
  }

  void remove(Connection c) {
    int i = c.loopIndex;
    if (i < 0) {
      return;
    }
    Connection last = connections.remove(connections.size() - 1);
    if (last != c) {
      connections.set(i, last);
      last.loopIndex = i;
    }
    c.loopIndex = -1;
  }

  void markDirty(Connection c) {
    if (!c.dirty) {
      c.dirty = true;
      dirty.add(c);
    }
  }

  /** Stops the loop once the tasks queued so far ran; waits for the thread unless it is this one. */
  void stop() {
    running = false;
    selector.wakeup();
    if (!inLoop()) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void run() {
    nextTickNs = System.nanoTime();
    nextWakeNs = nextTickNs;
    try {
      while (running) {
        long now = System.nanoTime();
        readyNs = Long.MIN_VALUE;
        // The ready keys go to onReady as the selector finds them: no selected-key set to iterate,
        // so a turn allocates nothing.
        if (!tasks.isEmpty() || !dirty.isEmpty() || nextWakeNs <= now) {
          selector.selectNow(onReady);
        } else {
          long waitMs = Math.max(1, (nextWakeNs - now + 999_999) / 1_000_000);
          selector.select(onReady, Math.min(waitMs, 100));
        }
        now = readyNs == Long.MIN_VALUE ? System.nanoTime() : readyNs;
        Runnable task;
        while ((task = tasks.poll()) != null) {
          try {
            task.run();
          } catch (RuntimeException e) {
            perEvent.warn("UDP transport task failed", e);
          }
        }
        Connection c;
        while ((c = dirty.poll()) != null) {
          c.dirty = false;
          service(c, now);
        }
        if (now >= nextTickNs) {
          long wake = now + 100_000_000L;
          for (int i = 0; i < connections.size(); i++) {
            c = connections.get(i);
            if (c.timerNs <= now) {
              service(c, now);
              if (i >= connections.size() || connections.get(i) != c) {
                i--; // c left and another took its place
                continue;
              }
            }
            wake = Math.min(wake, c.timerNs);
          }
          nextTickNs = now + TICK_NS;
          nextWakeNs = Math.max(wake, nextTickNs);
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      log.warn("UDP I/O loop failed", e);
    } finally {
      terminated = true;
      shutDown();
    }
  }

  /**
   * The loop's last work: the tasks handed over before it stopped, then the end of every session
   * left (their futures fail, their listeners hear of it), then every socket still registered.
   */
  private void shutDown() {
    do {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.debug("task after stop failed", e);
        }
      }
      long now = System.nanoTime();
      for (Connection c : new ArrayList<>(connections)) {
        try {
          c.shutDown(now);
        } catch (RuntimeException e) {
          log.debug("ending {} after stop failed", c, e);
          c.release();
        }
      }
    } while (!tasks.isEmpty());
    try {
      for (SelectionKey key : selector.keys()) {
        try {
          key.channel().close();
        } catch (IOException e) {
          log.debug("closing a socket after stop", e);
        }
      }
      selector.close();
    } catch (IOException | ClosedSelectorException e) {
      log.debug("closing the selector", e);
    }
  }

  /** The time the first ready key of this turn was handled at, or {@code Long.MIN_VALUE}. */
  private long readyNs;
  private final Consumer<SelectionKey> onReady = this::onReady;

  private void onReady(SelectionKey key) {
    if (readyNs == Long.MIN_VALUE) {
      readyNs = System.nanoTime();
    }
    if (key.isValid()) {
      try {
        ((Endpoint) key.attachment()).onReadable(readyNs);
      } catch (RuntimeException e) {
        perEvent.warn("UDP session failed on a datagram", e);
      }
    }
  }

  private static void service(Connection c, long now) {
    try {
      c.service(now);
    } catch (RuntimeException e) {
      log.warn("UDP session {} failed", c, e);
      c.fail(now);
    }
  }

  /** Lets a session's new deadline take effect before the next tick. */
  void wakeBy(long deadlineNs) {
    if (deadlineNs < nextWakeNs) {
      nextWakeNs = Math.max(deadlineNs, nextTickNs);
    }
  }
}
