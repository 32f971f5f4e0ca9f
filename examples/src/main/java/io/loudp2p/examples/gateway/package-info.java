/**
 * An HTTP gateway to a peer: {@link io.loudp2p.examples.gateway.Gateway} serves a player page, a
 * JSON search and every track found as a resource with byte ranges, so browsers and media players
 * play from the network.
 *
 * <p>The gateway is a client of the public API only ({@code Peer.search}, {@code Peer.stream},
 * {@code StreamSession}); it reads no files itself.
 */
@NullMarked
package io.loudp2p.examples.gateway;

import org.jspecify.annotations.NullMarked;
