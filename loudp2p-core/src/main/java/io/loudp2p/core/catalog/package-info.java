/**
 * The local catalog: shared folders scanned for audio files, each identified by the Merkle root of
 * its bytes, indexed for keyword search and kept in a catalog file across restarts.
 *
 * <p>{@link io.loudp2p.core.catalog.LocalCatalog} is the entry point; {@link
 * io.loudp2p.core.catalog.TrackHasher} is the policy that turns a file into a track ID. Metadata
 * is read with jaudiotagger behind structural checks that refuse hostile lengths, and Ogg Opus by
 * a parser of its own. Applications reach the catalog as an {@link io.loudp2p.Catalog} through
 * {@link io.loudp2p.Peer#catalog()}.
 *
 * <p>Internal: this package serves the SDK's own modules (the core, its transports, the examples
 * and benchmarks) and carries no compatibility promise. Its public signatures speak the wire's
 * generated protobuf types ({@code io.loudp2p.core.proto.v1}), which applications never need:
 * they use the {@code io.loudp2p} API.
 */
@NullMarked
package io.loudp2p.core.catalog;

import org.jspecify.annotations.NullMarked;
