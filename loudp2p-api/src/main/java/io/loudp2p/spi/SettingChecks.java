package io.loudp2p.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * The range checks of the builders of {@link TransportSettings}, so that every transport module
 * refuses an out-of-range setting with the same message, naming the setting.
 *
 * <p>For transport implementations; an application has no use for it. Stateless and thread-safe.
 */
public final class SettingChecks {
  /** The longest duration {@link #positive} accepts. */
  private static final Duration MAX_DURATION = Duration.ofDays(1);

  private SettingChecks() {}

  /**
   * Returns {@code value} when it is {@code min} to {@code max}, both included.
   *
   * @param name the setting's name, which starts the message
   * @throws IllegalArgumentException otherwise, with the message {@code "<name> must be
   *     <min>..<max>, got <value>"}
   */
  public static int within(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + value);
    }
    return value;
  }

  /**
   * Returns {@code value} when it is positive and at most a day.
   *
   * @param name the setting's name, which starts the message
   * @throws NullPointerException with the message {@code name} when {@code value} is null
   * @throws IllegalArgumentException when it is zero, negative or longer than a day, with the
   *     message {@code "<name> must be positive and at most PT24H, got <value>"}
   */
  public static Duration positive(String name, Duration value) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero() || value.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException(
          name + " must be positive and at most " + MAX_DURATION + ", got " + value);
    }
    return value;
  }
}
