/**
 * The implementation of the UDP data transport; no promise of compatibility.
 *
 * <p>Sessions run on I/O loops ({@code IoLoop}), one thread each with a selector over every
 * session's socket. The policies that decide what is sent when are interfaces with {@code Default*}
 * implementations ({@link io.loudp2p.transport.udp.internal.CongestionController}, {@link
 * io.loudp2p.transport.udp.internal.RttEstimator}, {@link io.loudp2p.transport.udp.internal.Pacer},
 * {@link io.loudp2p.transport.udp.internal.LossDetector}) that take the time as an argument, so
 * tests drive them with made-up clocks.
 */
@NullMarked
package io.loudp2p.transport.udp.internal;

import org.jspecify.annotations.NullMarked;
