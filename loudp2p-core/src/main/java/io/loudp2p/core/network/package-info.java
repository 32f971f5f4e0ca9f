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
 * what the simulation measures is what the peer does.
 *
 * <p>Internal: this package serves the SDK's own modules (the core, its transports, the examples
 * and benchmarks) and carries no compatibility promise. Its public signatures speak the wire's
 * generated protobuf types ({@code io.loudp2p.core.proto.v1}), which applications never need:
 * they use the {@code io.loudp2p} API.
 */
@NullMarked
package io.loudp2p.core.network;

import org.jspecify.annotations.NullMarked;
