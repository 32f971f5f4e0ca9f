/**
 * The loudp2p API: peers, their identities, the catalog of tracks, and stream sessions.
 *
 * <p>An application builds a {@code Peer}, shares folders through its catalog, searches the
 * network and plays tracks as {@code StreamSession}s fed by several peers at once. Values here
 * ({@link io.loudp2p.PeerId}, {@link io.loudp2p.TrackId}) are immutable and compare by content.
 *
 * <p>This module depends on the JDK and JSpecify only; no protobuf, gRPC, netty or BouncyCastle
 * type appears in a public signature. Everything is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.loudp2p;

import org.jspecify.annotations.NullMarked;
