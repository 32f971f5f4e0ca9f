package io.loudp2p.transport.udp.internal;

/**
 * The sliding window of RFC 4303 section 3.4.3: accepts each packet number once, and none more
 * than the window's size below the largest accepted.
 *
 * <p>Check with {@link #isFresh} before decrypting and {@link #accept} only after the packet
 * authenticated, so that forged packets cannot move the window. Not thread-safe.
 */
public final class AntiReplayWindow {
  private final long[] bits;
  private final int size;
  private long largest = -1;

  /** @param size how many packet numbers below the largest are remembered; a multiple of 64 */
  public AntiReplayWindow(int size) {
    if (size < 64 || size % 64 != 0) {
      throw new IllegalArgumentException("window size must be a positive multiple of 64: " + size);
    }
    this.size = size;
    this.bits = new long[size / 64];
  }

  /** Whether {@code pn} is new and inside the window. */
  public boolean isFresh(long pn) {
    if (pn < 0) {
      return false;
    }
    if (pn > largest) {
      return true;
    }
    if (largest - pn >= size) {
      return false;
    }
    return !get(pn);
  }

  /** Records {@code pn}, sliding the window when it is the new largest. */
  public void accept(long pn) {
    if (pn > largest) {
      long shift = largest < 0 ? size : pn - largest;
      if (shift >= size) {
        java.util.Arrays.fill(bits, 0L);
      } else {
        for (long p = largest + 1; p < pn; p++) {
          clear(p);
        }
      }
      largest = pn;
    }
    set(pn);
  }

  /** The largest packet number accepted, or -1. */
  public long largest() {
    return largest;
  }

  private boolean get(long pn) {
    int bit = (int) (pn % size);
    return (bits[bit >>> 6] & (1L << (bit & 63))) != 0;
  }

  private void set(long pn) {
    int bit = (int) (pn % size);
    bits[bit >>> 6] |= 1L << (bit & 63);
  }

  private void clear(long pn) {
    int bit = (int) (pn % size);
    bits[bit >>> 6] &= ~(1L << (bit & 63));
  }
}
