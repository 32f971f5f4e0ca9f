package io.loudp2p.core.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Warnings about events that may come at any rate (one per datagram, chunk or request, when a disk
 * fails, a callback has a bug or a peer misbehaves): each kind of line, told apart by its format,
 * is written at most once per interval, and the next one of that kind says how many like it were
 * left out meanwhile. A flood thus costs the log one line per kind every few seconds, not a line
 * (and a stack trace) per event.
 *
 * <p>Thread-safe.
 */
public final class ThrottledLog {
  /** The interval of {@link #ThrottledLog(Logger)}. */
  public static final Duration INTERVAL = Duration.ofSeconds(10);

  /** Kinds of line remembered; one forgotten is written again at once when it comes back. */
  private static final int MAX_KINDS = 64;

  private final Logger log;
  private final RateLimiter<String> limiter;
  private final Map<String, AtomicLong> leftOut = new ConcurrentHashMap<>();

  /** Writes to {@code log} at most once per {@link #INTERVAL} for each kind of line. */
  public ThrottledLog(Logger log) {
    this(log, INTERVAL, System::nanoTime);
  }

  /**
   * @param clockNs monotonic nanoseconds ({@code System::nanoTime} in production)
   */
  public ThrottledLog(Logger log, Duration interval, LongSupplier clockNs) {
    this.log = log;
    this.limiter = new RateLimiter<>(1e9 / interval.toNanos(), 1, MAX_KINDS, clockNs);
  }

  /**
   * Logs at WARN as {@link Logger#warn(String, Object...)} does, unless a line of this {@code
   * format} (a constant) was written within the interval: then only counts it.
   */
  public void warn(String format, Object... args) {
    if (!log.isWarnEnabled()) {
      return;
    }
    AtomicLong skipped = leftOut.computeIfAbsent(format, f -> new AtomicLong());
    if (!limiter.tryAcquire(format)) {
      skipped.incrementAndGet();
      return;
    }
    long n = skipped.getAndSet(0);
    if (n == 0) {
      log.warn(format, args);
    } else {
      log.warn(format + " ({} more like it left out since the last such line)",
          withCount(args, n));
    }
  }

  /** {@code args} with {@code n} added for the suffix's placeholder, before a last throwable. */
  private static Object[] withCount(Object[] args, long n) {
    int at = args.length > 0 && args[args.length - 1] instanceof Throwable
        ? args.length - 1
        : args.length;
    Object[] out = new Object[args.length + 1];
    System.arraycopy(args, 0, out, 0, at);
    out[at] = n;
    System.arraycopy(args, at, out, at + 1, args.length - at);
    return out;
  }
}
