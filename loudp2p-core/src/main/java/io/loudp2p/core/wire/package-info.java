/**
 * Signed envelopes: how every loudp2p control message is signed, checked and counted.
 *
 * <p>{@link io.loudp2p.core.wire.EnvelopeSealer} signs outgoing messages and peer records as one
 * identity; {@link io.loudp2p.core.wire.EnvelopeOpener} checks incoming ones, parses a payload
 * only after its signature and sender check out, and refuses stale, future, replayed, oversized
 * and malformed envelopes with a {@link io.loudp2p.core.wire.RejectReason}. PROTOCOL.md at the
 * repository root specifies the same rules byte for byte.
 */
@NullMarked
package io.loudp2p.core.wire;

import org.jspecify.annotations.NullMarked;
