package io.loudp2p.spi;

/**
 * Creates {@link ControlTransport}s; a transport module registers one with {@link
 * java.util.ServiceLoader} under {@code META-INF/services/io.loudp2p.spi.ControlTransportProvider}.
 *
 * <p>Implementations must have a public no-argument constructor, be thread-safe, and never throw
 * from {@link #isAvailable()}, {@link #priority()} or {@link #name()}: a provider that cannot run
 * here says so with {@code isAvailable() == false}.
 */
public abstract class ControlTransportProvider {
  /** For subclasses. */
  protected ControlTransportProvider() {}

  /** Whether this provider can create transports in this environment. */
  public abstract boolean isAvailable();

  /**
   * How much to prefer this provider over other available ones, 0 (fallback) to 10 (preferred);
   * 5 is the norm.
   */
  public abstract int priority();

  /** A short stable name ("grpc", "in-memory"), used in logs and to pick a provider by name. */
  public abstract String name();

  /**
   * Creates a transport; each call returns a new one that the caller owns and must close.
   *
   * @param options where callbacks run, and the application's {@link TransportSettings} for this
   *     provider when it gave some (read them with {@link TransportOptions#settings(Class)})
   * @throws IllegalArgumentException if the options are invalid for this transport, among them
   *     settings of a type it does not take
   */
  public abstract ControlTransport create(TransportOptions options);

  @Override
  public String toString() {
    return getClass().getName() + "{name=" + name() + "}";
  }
}
