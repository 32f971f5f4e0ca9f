package io.loudp2p.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * What a provider gets when it creates a transport: where callbacks run, and transport-specific
 * settings as plain strings.
 *
 * <p>Immutable and thread-safe; built with {@link #builder()}.
 */
public final class TransportOptions {
  /** The default largest control message, in bytes. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;

  /** The largest control message any transport may be configured to accept, in bytes. */
  public static final int MAX_MAX_MESSAGE_BYTES = 64 << 20;

  private static final TransportOptions DEFAULTS = builder().build();

  private final @Nullable Executor callbackExecutor;
  private final int maxMessageBytes;
  private final Map<String, String> properties;

  private TransportOptions(Builder b) {
    this.callbackExecutor = b.callbackExecutor;
    this.maxMessageBytes = b.maxMessageBytes;
    this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(b.properties));
  }

  /** Options with every default. */
  public static TransportOptions defaults() {
    return DEFAULTS;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Where callbacks and future completions run, or {@code null} for the transport's own threads.
   */
  public @Nullable Executor callbackExecutor() {
    return callbackExecutor;
  }

  /** The largest control message the transport sends or accepts, in bytes. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** Transport-specific settings (documented by each transport), unmodifiable. */
  public Map<String, String> properties() {
    return properties;
  }

  /** A transport-specific setting, or {@code defaultValue} when absent. */
  public String property(String key, String defaultValue) {
    return properties.getOrDefault(key, defaultValue);
  }

  /**
   * A transport-specific setting that must be a positive whole number, or {@code defaultValue}
   * when absent.
   *
   * @throws IllegalArgumentException naming the key when the value is not a positive int
   */
  public int positiveIntProperty(String key, int defaultValue) {
    String raw = property(key, Integer.toString(defaultValue));
    int value;
    try {
      value = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "transport property " + key + " must be a whole number: " + raw, e);
    }
    if (value < 1) {
      throw new IllegalArgumentException("transport property " + key + " must be positive: " + value);
    }
    return value;
  }

  @Override
  public String toString() {
    return "TransportOptions{maxMessageBytes=" + maxMessageBytes + ", properties=" + properties
        + (callbackExecutor == null ? "" : ", callbackExecutor=" + callbackExecutor) + "}";
  }

  /** Builds {@link TransportOptions}; not thread-safe. */
  public static final class Builder {
    private @Nullable Executor callbackExecutor;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private final Map<String, String> properties = new LinkedHashMap<>();

    private Builder() {}

    /** Runs callbacks on {@code executor} instead of the transport's own threads. */
    public Builder callbackExecutor(@Nullable Executor executor) {
      this.callbackExecutor = executor;
      return this;
    }

    /**
     * Sets the largest control message, in bytes.
     *
     * @throws IllegalArgumentException unless 1 to {@link #MAX_MAX_MESSAGE_BYTES}
     */
    public Builder maxMessageBytes(int bytes) {
      if (bytes < 1 || bytes > MAX_MAX_MESSAGE_BYTES) {
        throw new IllegalArgumentException(
            "maxMessageBytes must be 1.." + MAX_MAX_MESSAGE_BYTES + ", got " + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /** Sets a transport-specific setting. */
    public Builder property(String key, String value) {
      properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Makes the options. */
    public TransportOptions build() {
      return new TransportOptions(this);
    }
  }
}
