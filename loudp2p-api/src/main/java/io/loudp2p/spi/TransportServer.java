package io.loudp2p.spi;

import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * A listening endpoint opened by {@link ControlTransport#listen} or {@link DataTransport#serve}.
 *
 * <p>Thread-safe. {@link #close()} is idempotent: it stops accepting new requests or sessions,
 * fails requests still being answered with {@link ControlErrorCode#UNAVAILABLE} and ends data
 * sessions served from it with {@link DataSession.CloseReason#SOURCE_CLOSED}.
 */
public interface TransportServer extends AutoCloseable {
  /** The address actually bound (a requested port 0 is replaced by the chosen port). */
  InetSocketAddress address();

  /**
   * Where this control server also answers browsers over gRPC-Web (PROTOCOL.md section 5), which
   * a peer lists in its record as a {@code TRANSPORT_KIND_GRPC_WEB} endpoint; {@code null} (the
   * default) when it does not.
   */
  default @Nullable InetSocketAddress webAddress() {
    return null;
  }

  /** Stops serving; idempotent and never throws. */
  @Override
  void close();
}
