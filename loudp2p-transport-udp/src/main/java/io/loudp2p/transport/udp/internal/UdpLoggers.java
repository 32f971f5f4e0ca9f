package io.loudp2p.transport.udp.internal;

/**
 * The name this transport logs under, below the core's {@code io.loudp2p.transport}: stable across
 * changes to the classes that log, for applications' logging configurations.
 */
final class UdpLoggers {
  /** Sessions, the I/O loop, and the chunk providers and listeners they call. */
  static final String UDP = "io.loudp2p.transport.udp";

  private UdpLoggers() {}
}
