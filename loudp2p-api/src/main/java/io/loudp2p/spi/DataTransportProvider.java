package io.loudp2p.spi;

/**
 * Creates {@link DataTransport}s; a transport module registers one with {@link
 * java.util.ServiceLoader} under {@code META-INF/services/io.loudp2p.spi.DataTransportProvider}.
 *
 * <p>Implementations must have a public no-argument constructor, be thread-safe, and never throw
 * from {@link #isAvailable()}, {@link #priority()}, {@link #name()} or {@link #descriptor()}: a
 * provider that cannot run here says so with {@code isAvailable() == false}. The registry asks
 * these once, when it loads; a provider that throws or describes itself as {@code null} is left
 * out.
 *
 * <p>A peer creates one transport per provider when it starts, on the starting thread, and closes
 * it when the peer closes. What the peer offers and accepts in the signed stream messages comes
 * from {@link #descriptor()} alone.
 */
public abstract class DataTransportProvider {
  /** For subclasses. */
  protected DataTransportProvider() {}

  /** Whether this provider can create transports in this environment. */
  public abstract boolean isAvailable();

  /**
   * How much to prefer this provider over other available ones, 0 (fallback) to 10 (preferred);
   * 5 is the norm.
   */
  public abstract int priority();

  /** A short stable name ("udp", "grpc", "in-memory"), used in logs and to pick a provider by name. */
  public abstract String name();

  /**
   * How the transports of this provider appear in the signed stream messages: their wire kind,
   * their place in offers, what the open and the accept carry for them, whether they are the
   * fallback path. The same value on every call.
   */
  public abstract DataTransportDescriptor descriptor();

  /**
   * Creates a transport; each call returns a new one that the caller owns and must close.
   *
   * @param options where callbacks run, and the application's {@link TransportSettings} for this
   *     provider when it gave some (read them with {@link TransportOptions#settings(Class)})
   * @throws IllegalArgumentException if the options are invalid for this transport, among them
   *     settings of a type it does not take
   */
  public abstract DataTransport create(TransportOptions options);

  @Override
  public String toString() {
    return getClass().getName() + "{name=" + name() + "}";
  }
}
