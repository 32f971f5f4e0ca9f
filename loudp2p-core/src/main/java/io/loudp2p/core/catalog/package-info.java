/**
 * The local catalog: shared folders scanned for audio files, each identified by the Merkle root of
 * its bytes, indexed for keyword search and kept in a catalog file across restarts.
 *
 * <p>{@link io.loudp2p.core.catalog.LocalCatalog} is the entry point; {@link
 * io.loudp2p.core.catalog.TrackHasher} is the policy that turns a file into a track ID. Metadata
 * is read with jaudiotagger behind structural checks that refuse hostile lengths, and Ogg Opus by
 * a parser of its own.
 */
@NullMarked
package io.loudp2p.core.catalog;

import org.jspecify.annotations.NullMarked;
