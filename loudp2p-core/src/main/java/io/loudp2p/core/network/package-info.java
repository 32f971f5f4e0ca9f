/**
 * The overlay network as plain logic: peer sampling ({@link io.loudp2p.core.network.PeerSampler},
 * a Cyclon view with admission caps), query routing ({@link io.loudp2p.core.network.QueryRouter},
 * duplicate suppression, reverse paths, random walks guided by {@link
 * io.loudp2p.core.network.KeywordSummary} Bloom filters) and role changes ({@link
 * io.loudp2p.core.network.RolePolicy}).
 *
 * <p>Nothing here owns a thread, reads a clock or touches a socket: callers pass the time in and
 * send the messages the engines return. The peer runs these engines over its transports; the
 * network simulation runs the same engines over an in-process message bus with a fake clock, so
 * what the simulation measures is what the peer does. Internal: no compatibility promise.
 */
@NullMarked
package io.loudp2p.core.network;

import org.jspecify.annotations.NullMarked;
