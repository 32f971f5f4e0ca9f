package io.loudp2p.core.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.LongSupplier;

/**
 * The one fake clock of the tests: a time that moves only when a test (or a simulation, or an
 * {@link InMemoryNetwork} running its timers) moves it, read as a monotonic nanosecond count
 * ({@link #nanoTime()}, for whatever takes a {@code LongSupplier} such as {@code System::nanoTime})
 * and as a UTC wall clock ({@link #wallClock()}, a {@link java.time.Clock}). A {@link
 * VirtualTimer} runs scheduled tasks on it through its network.
 *
 * <p>The nanosecond count starts at zero; the wall clock reads {@link #DEFAULT_EPOCH_MS} (or the
 * epoch it was made with) plus the nanoseconds, in whole milliseconds. {@link #setWallMillis}
 * makes the wall clock jump, as a real one may, without moving the nanoseconds. With an automatic
 * step ({@link #autoAdvance}), every read moves the clock on by that step, so that events stamped
 * with it are strictly ordered.
 *
 * <p>Thread-safe.
 */
public final class FakeClock {
  /** The wall-clock time at which a clock made without an epoch starts: 2026-12-01T00:00Z. */
  public static final long DEFAULT_EPOCH_MS = 1_796_083_200_000L;

  private long nowNs;
  private long epochMs;
  private long autoStepNs;
  private final Clock wall = new WallClock();

  /** A clock at zero nanoseconds and {@link #DEFAULT_EPOCH_MS}. */
  public FakeClock() {
    this(DEFAULT_EPOCH_MS);
  }

  private FakeClock(long epochMs) {
    this.epochMs = epochMs;
  }

  /** A clock whose wall clock reads {@code epochMs} until it is moved. */
  public static FakeClock atWallMillis(long epochMs) {
    return new FakeClock(epochMs);
  }

  /** The time in nanoseconds since the clock was made; moves it on by the automatic step. */
  public synchronized long nanoTime() {
    long t = nowNs;
    nowNs += autoStepNs;
    return t;
  }

  /** {@link #nanoTime()} as a supplier, for code that takes {@code System::nanoTime}. */
  public LongSupplier nanoSource() {
    return this::nanoTime;
  }

  /** The wall-clock time in milliseconds; moves the clock on by the automatic step. */
  public synchronized long wallMillis() {
    return epochMs + nanoTime() / 1_000_000;
  }

  /** This clock as a UTC {@link Clock}, for code that takes one. */
  public Clock wallClock() {
    return wall;
  }

  /** Moves the clock forward by {@code by}. */
  public void advance(Duration by) {
    advanceNanos(by.toNanos());
  }

  /** Moves the clock forward by {@code deltaNs} nanoseconds. */
  public synchronized void advanceNanos(long deltaNs) {
    if (deltaNs < 0) {
      throw new IllegalArgumentException("time runs forward only: " + deltaNs + " ns");
    }
    nowNs += deltaNs;
  }

  /** Moves the clock forward to {@code timeNs}; nothing happens if it is already there or later. */
  public synchronized void advanceTo(long timeNs) {
    nowNs = Math.max(nowNs, timeNs);
  }

  /** Makes the wall clock read {@code millis} now, in either direction; the nanoseconds stay. */
  public synchronized void setWallMillis(long millis) {
    epochMs = millis - nowNs / 1_000_000;
  }

  /** Makes every later read move the clock on by {@code step} (zero, the default, stops it). */
  public synchronized FakeClock autoAdvance(Duration step) {
    if (step.isNegative()) {
      throw new IllegalArgumentException("time runs forward only: " + step);
    }
    autoStepNs = step.toNanos();
    return this;
  }

  @Override
  public String toString() {
    synchronized (this) {
      return "FakeClock[" + nowNs + " ns, " + Instant.ofEpochMilli(epochMs + nowNs / 1_000_000) + "]";
    }
  }

  private final class WallClock extends Clock {
    @Override
    public long millis() {
      return wallMillis();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public String toString() {
      return FakeClock.this.toString();
    }
  }
}
