/**
 * The UDP data transport: chunk fragments in encrypted datagrams, one socket per session.
 *
 * <p>{@link io.loudp2p.transport.udp.UdpDataTransportProvider} is found by {@link
 * java.util.ServiceLoader}; {@link io.loudp2p.transport.udp.UdpTransportOptions} holds its
 * settings. The wire format is specified in PROTOCOL.md, section "UDP data plane".
 */
@NullMarked
package io.loudp2p.transport.udp;

import org.jspecify.annotations.NullMarked;
