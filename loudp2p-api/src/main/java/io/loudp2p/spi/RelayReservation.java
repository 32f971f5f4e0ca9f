package io.loudp2p.spi;

import java.util.concurrent.CompletableFuture;

/**
 * A reservation this peer keeps at a relay (PROTOCOL.md section 10), made by {@link
 * ControlTransport#reserve}: while it lasts, peers that cannot dial this one reach it through the
 * relay. Closing it gives the reservation up; it also ends by itself when the relay ends it (its
 * time is up, the relay went away or replaced it).
 *
 * @since 0.1.0
 */
public interface RelayReservation extends AutoCloseable {
  /**
   * Completes, with the reason in words, once the reservation ended, whoever ended it; never
   * exceptionally.
   */
  CompletableFuture<String> ended();

  /** Gives the reservation up; idempotent and never throws. */
  @Override
  void close();
}
