/**
 * Signed envelopes: how every loudp2p control message is signed, checked and counted.
 *
 * <p>{@link io.loudp2p.core.wire.EnvelopeSealer} signs outgoing messages and peer records as one
 * identity; {@link io.loudp2p.core.wire.EnvelopeOpener} checks incoming ones, parses a payload
 * only after its signature and sender check out, and refuses stale, future, replayed, oversized
 * and malformed envelopes with a {@link io.loudp2p.core.wire.RejectReason}. PROTOCOL.md at the
 * repository root specifies the same rules byte for byte.
 *
 * <p>Internal: this package serves the SDK's own modules (the core, its transports, the examples
 * and benchmarks) and carries no compatibility promise. Its public signatures speak the wire's
 * generated protobuf types ({@code io.loudp2p.core.proto.v1}), which applications never need:
 * they use the {@code io.loudp2p} API.
 */
@NullMarked
package io.loudp2p.core.wire;

import org.jspecify.annotations.NullMarked;
