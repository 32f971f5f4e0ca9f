package io.loudp2p.spi;

import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * What a provider gets when it creates a transport: where callbacks run, and the typed {@link
 * TransportSettings} the application gave for that provider, if any.
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
  private final @Nullable TransportSettings settings;
  private final @Nullable PeerCredentials credentials;

  private TransportOptions(Builder b) {
    this.callbackExecutor = b.callbackExecutor;
    this.settings = b.settings;
    this.credentials = b.credentials;
  }

  /** Options with every default and no settings. */
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

  /**
   * The peer's TLS credentials, for a transport that authenticates its connections with them, or
   * {@code null}: the transport then speaks plaintext (for tests that say so).
   */
  public @Nullable PeerCredentials credentials() {
    return credentials;
  }

  /** The settings given for the provider, or {@code null} when the application gave none. */
  public @Nullable TransportSettings settings() {
    return settings;
  }

  /**
   * The settings given for the provider, as the type it takes.
   *
   * @param type the provider's settings class
   * @return the settings, or {@code null} when none were given (the provider uses its defaults)
   * @throws IllegalArgumentException naming both types when the settings are of another type
   */
  public <T extends TransportSettings> @Nullable T settings(Class<T> type) {
    TransportSettings s = settings;
    if (s == null) {
      return null;
    }
    if (!type.isInstance(s)) {
      throw new IllegalArgumentException("the " + s.providerName() + " settings given are a "
          + s.getClass().getName() + "; this transport takes " + type.getName());
    }
    return type.cast(s);
  }

  @Override
  public String toString() {
    return "TransportOptions{settings=" + settings + (credentials == null ? ", plaintext" : ", tls")
        + (callbackExecutor == null ? "" : ", callbackExecutor=" + callbackExecutor) + "}";
  }

  /** Builds {@link TransportOptions}; not thread-safe. */
  public static final class Builder {
    private @Nullable Executor callbackExecutor;
    private @Nullable TransportSettings settings;
    private @Nullable PeerCredentials credentials;

    private Builder() {}

    /** Makes the transport authenticate and encrypt its connections with these credentials. */
    public Builder credentials(@Nullable PeerCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /** Runs callbacks on {@code executor} instead of the transport's own threads. */
    public Builder callbackExecutor(@Nullable Executor executor) {
      this.callbackExecutor = executor;
      return this;
    }

    /** Gives the provider these typed settings. */
    public Builder settings(TransportSettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** Makes the options. */
    public TransportOptions build() {
      return new TransportOptions(this);
    }
  }
}
