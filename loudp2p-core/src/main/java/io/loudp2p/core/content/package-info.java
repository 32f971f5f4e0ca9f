/**
 * Content addressing: tracks cut into 16 KiB chunks and named by the RFC 6962 Merkle root over
 * them.
 *
 * <p>{@link io.loudp2p.core.content.MerkleTree} computes roots and audit paths;
 * {@link io.loudp2p.core.content.Manifest} holds a track's leaf hashes, refuses any that do not
 * match its track ID, and checks chunks against them before anyone uses them.
 *
 * <p>{@link io.loudp2p.core.content.ChunkCache} keeps verified chunks of tracks being played on
 * disk, survives crashes and restarts, evicts the least recently played tracks past its bound, and
 * serves what it holds to other peers.
 *
 * <p>Internal: this package serves the SDK's own modules (the core, its transports, the examples
 * and benchmarks) and carries no compatibility promise. Its public signatures speak the wire's
 * generated protobuf types ({@code io.loudp2p.core.proto.v1}), which applications never need:
 * they use the {@code io.loudp2p} API.
 */
@NullMarked
package io.loudp2p.core.content;

import org.jspecify.annotations.NullMarked;
