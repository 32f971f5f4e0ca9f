package io.loudp2p.core.testing;

import java.time.Duration;

/**
 * A wall clock that tests move by hand, or that moves one millisecond each time it is read (so
 * that events stamped with it are strictly ordered). Thread-safe.
 */
public final class MutableClock extends MillisClock {
  private final boolean ticking;
  private long millis;

  private MutableClock(long millis, boolean ticking) {
    this.millis = millis;
    this.ticking = ticking;
  }

  /** A clock that stands at {@code millis} until moved. */
  public static MutableClock at(long millis) {
    return new MutableClock(millis, false);
  }

  /** A clock that starts at {@code millis} and moves one millisecond at every read. */
  public static MutableClock ticking(long millis) {
    return new MutableClock(millis, true);
  }

  /** Moves the clock forward. */
  public synchronized void advance(Duration by) {
    millis += by.toMillis();
  }

  /** Sets the clock. */
  public synchronized void set(long millis) {
    this.millis = millis;
  }

  @Override
  public synchronized long millis() {
    return ticking ? ++millis : millis;
  }
}
