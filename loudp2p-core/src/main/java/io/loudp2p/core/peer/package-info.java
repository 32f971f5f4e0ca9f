/**
 * The peer: client and server at once, tying identity, envelopes, catalog, cache, transports and
 * stream sessions together.
 *
 * <p>Applications reach it through {@link io.loudp2p.Peer#builder()}, which finds
 * {@link io.loudp2p.core.peer.CorePeerFactory} with {@link java.util.ServiceLoader}. What else is
 * public here ({@link io.loudp2p.core.peer.PeerRuntime}, the factory's static {@code create}
 * methods) is for the SDK's simulations and tests, and carries no compatibility promise.
 */
@NullMarked
package io.loudp2p.core.peer;

import org.jspecify.annotations.NullMarked;
