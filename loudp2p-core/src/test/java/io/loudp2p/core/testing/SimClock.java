package io.loudp2p.core.testing;

/** A fake nanosecond clock that only moves when a test advances it. */
public final class SimClock {
  private long nowNs;

  /** Creates a clock reading zero. */
  public SimClock() {}

  /** Returns the current simulated time in nanoseconds. */
  public long nowNs() {
    return nowNs;
  }

  /** Moves the clock forward by {@code deltaNs}. */
  public void advance(long deltaNs) {
    if (deltaNs < 0) {
      throw new IllegalArgumentException("time runs forward only: " + deltaNs);
    }
    nowNs += deltaNs;
  }

  /** Moves the clock forward to {@code timeNs}, which must not lie in the past. */
  public void advanceTo(long timeNs) {
    advance(timeNs - nowNs);
  }
}
