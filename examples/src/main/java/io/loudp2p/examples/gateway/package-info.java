/**
 * An HTTP gateway to a peer: {@link io.loudp2p.examples.gateway.Gateway} serves a player page, a
 * JSON search and every track found as a resource with byte ranges, so browsers and media players
 * play from the network.
 *
 * <p>The gateway is a client of the public API only ({@code Peer.search}, {@code Peer.stream},
 * {@code StreamSession}); it reads no files itself.
 *
 * <p>{@code Gateway} is the facade: it builds the parts and owns their lifecycle. {@code
 * GatewayServer} holds the JDK server and its threads; {@code Router} checks each request and
 * hands it to {@code PlayerPage}, {@code SearchRoute} or {@code TrackRoute}, which answer through
 * {@code Responses}. Tracks found are remembered in {@code KnownTracks}; stream sessions are lent
 * by {@code SessionPool}; {@code EntityTags} tells whether an {@code If-None-Match} names a track.
 */
@NullMarked
package io.loudp2p.examples.gateway;

import org.jspecify.annotations.NullMarked;
