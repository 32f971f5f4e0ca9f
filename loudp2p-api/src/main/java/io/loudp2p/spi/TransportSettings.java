package io.loudp2p.spi;

/**
 * Typed settings of one transport module, handed to the providers named {@link #providerName()}
 * when a peer creates its transports. Each transport module has one implementation (for example
 * {@code UdpTransportOptions}, {@code GrpcTransportOptions}) with a builder of typed setters; an
 * application passes it to {@code Peer.Builder.transport(...)}.
 *
 * <p>A provider reads its settings from {@link TransportOptions#settings(Class)}; settings of
 * another type are an {@link IllegalArgumentException} there. Settings naming a provider that is
 * not on the class path make the peer fail to start, with a message naming {@link #artifact()}.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface TransportSettings {
  /**
   * The name of the providers these settings are for, as their {@code name()} reports it; every
   * control and data provider of that name gets them.
   */
  String providerName();

  /** The Maven coordinates of the module that brings those providers ({@code group:artifact}). */
  String artifact();
}
