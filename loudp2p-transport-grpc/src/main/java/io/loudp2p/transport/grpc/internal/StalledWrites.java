package io.loudp2p.transport.grpc.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the writes of the gRPC-Web server's answers that make no progress for longer than a limit.
 * The JDK's HTTP server has no write timeout, and a plain-HTTP exchange writes on a blocking
 * {@link java.nio.channels.SocketChannel}: once a caller stops reading and the socket's buffers are
 * full, the writing thread (and a chunk batch's slot) would be held for ever. Each write here is
 * registered with the thread that makes it, and {@link #sweep} interrupts a thread whose write has
 * gone on for longer than the limit. The channel is an {@link
 * java.nio.channels.InterruptibleChannel}: the interrupt closes the connection and the write
 * throws {@link java.nio.channels.ClosedByInterruptException}, so the call ends as one whose
 * caller went away.
 *
 * <p>An interrupt only ever reaches a thread while the write it was meant for is under way (each
 * write is its own token, checked under the token's lock), and the writer clears it once that
 * write is over, so that it never reaches the thread's next call: the writer may be one of the
 * server's threads or a handler's that answers later. Thread-safe.
 */
final class StalledWrites {
  /** Most bytes written under one bound: a large answer to a slow reader goes piece by piece. */
  static final int PIECE = 16 * 1024;
  /** One line at most this often. */
  static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.GRPC);

  /** One write to the caller. */
  interface Write {
    void run() throws IOException;
  }

  /** A write under way: the token an interrupt is checked against. */
  private static final class Pending {
    final Thread thread;
    final long startNs;
    /** Guarded by this token's lock. */
    boolean over;
    boolean interrupted;

    Pending(Thread thread, long startNs) {
      this.thread = thread;
      this.startNs = startNs;
    }

    /** Interrupts the writer unless the write is over; whether it did. */
    synchronized boolean interrupt() {
      if (over || interrupted) {
        return false;
      }
      interrupted = true;
      thread.interrupt();
      return true;
    }

    /** Marks the write over; whether it was interrupted (then no interrupt can follow). */
    synchronized boolean over() {
      over = true;
      return interrupted;
    }
  }

  private final long limitNs;
  private final LongSupplier clock;
  private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
  private final ThrottledWarning ended;

  /**
   * @param limit how long one write may go on
   * @param clock monotonic nanoseconds
   */
  StalledWrites(Duration limit, LongSupplier clock) {
    this.limitNs = limit.toNanos();
    this.clock = clock;
    this.ended = new ThrottledWarning(log, "ended", "gRPC-Web answer(s) to callers that stopped"
        + " reading", LOG_INTERVAL, clock);
  }

  /**
   * Runs {@code write} on this thread, ended when it goes on for longer than the limit.
   *
   * @param from the caller written to, for the log
   * @throws IOException what the write threw; when it was ended, what the closed channel threw
   */
  void run(Object from, Write write) throws IOException {
    Pending p = new Pending(Thread.currentThread(), clock.getAsLong());
    pending.add(p);
    boolean failed = true;
    try {
      write.run();
      failed = false;
    } finally {
      pending.remove(p);
      if (p.over()) {
        Thread.interrupted(); // ours, for this write only: the thread's next call starts clear
        if (failed) {
          ended.count(from, "no write went through in " + Duration.ofNanos(limitNs).toMillis()
              + " ms");
        }
      }
    }
  }

  /**
   * {@code out}, with each write (in pieces of at most {@link #PIECE} bytes), flush and close
   * bounded.
   */
  OutputStream bounded(OutputStream out, Object from) {
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        run(from, () -> out.write(b));
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        for (int at = off; at < off + len; at += PIECE) {
          int start = at;
          int n = Math.min(PIECE, off + len - at);
          run(from, () -> out.write(b, start, n));
        }
      }

      @Override
      public void flush() throws IOException {
        run(from, out::flush);
      }

      @Override
      public void close() throws IOException {
        run(from, out::close);
      }
    };
  }

  /** Interrupts the writes that have gone on for longer than the limit; returns how many. */
  int sweep() {
    long now = clock.getAsLong();
    int n = 0;
    for (Pending p : pending) {
      if (now - p.startNs >= limitNs && p.interrupt()) {
        n++;
      }
    }
    return n;
  }

  /** Answers ended since the start because a write of theirs made no progress. */
  long ended() {
    return ended.total();
  }
}
