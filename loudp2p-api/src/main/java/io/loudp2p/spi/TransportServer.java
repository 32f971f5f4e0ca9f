package io.loudp2p.spi;

import java.net.InetSocketAddress;

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

  /** Stops serving; idempotent and never throws. */
  @Override
  void close();
}
