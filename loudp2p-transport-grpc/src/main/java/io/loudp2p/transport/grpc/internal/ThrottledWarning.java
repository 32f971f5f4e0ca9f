package io.loudp2p.transport.grpc.internal;

import io.loudp2p.core.internal.RateLimiter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A warning about bad input that remote callers may cause at any rate: every occurrence is
 * counted, and the log gets at most one line per interval, with the count since the last line and
 * the latest occurrence. A flood of bad requests thus costs the log a line every few seconds, not a
 * line (or a stack trace) each. Thread-safe.
 */
final class ThrottledWarning {
  private final Logger log;
  private final String verb;
  private final String what;
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong sinceLine = new AtomicLong();
  private final AtomicLong lines = new AtomicLong();
  private final RateLimiter<String> limiter;

  /**
   * @param what the occurrences counted, in the plural form a log line names them by
   * @param clockNs monotonic nanoseconds
   */
  ThrottledWarning(Logger log, String what, Duration interval, LongSupplier clockNs) {
    this(log, "refused", what, interval, clockNs);
  }

  /**
   * @param verb what was done to each occurrence, as the line says it ("refused", "ended")
   * @param what the occurrences counted, in the plural form a log line names them by
   * @param clockNs monotonic nanoseconds
   */
  ThrottledWarning(Logger log, String verb, String what, Duration interval, LongSupplier clockNs) {
    this.log = log;
    this.verb = verb;
    this.what = what;
    this.limiter = new RateLimiter<>(1e9 / interval.toNanos(), 1, 1, clockNs);
  }

  /** Counts one occurrence, from {@code from} (an address, or a word when there is none). */
  void count(Object from, String why) {
    total.incrementAndGet();
    long unreported = sinceLine.incrementAndGet();
    if (limiter.tryAcquire(what)) {
      sinceLine.addAndGet(-unreported);
      lines.incrementAndGet();
      log.warn("{} {} {} since the last report ({} in all); the latest from {}: {}",
          verb, unreported, what, total.get(), from, why);
    }
  }

  /** Occurrences counted. */
  long total() {
    return total.get();
  }

  /** Lines logged. */
  long lines() {
    return lines.get();
  }
}
