/**
 * Reassembly of chunk fragments into verified chunks, and of verified chunks into the ordered
 * byte stream a player reads.
 *
 * <p>Fragments are copied exactly once, into the chunk's slot of a preallocated {@link
 * io.loudp2p.core.stream.internal.ChunkBufferPool}; which bytes of a chunk have arrived is kept in
 * preallocated bitmaps, so steady-state reassembly allocates nothing. A complete chunk is checked
 * by a {@link io.loudp2p.core.stream.internal.ChunkVerifier} before any reader sees it, and the
 * {@link io.loudp2p.core.stream.internal.OrderedChunkStream} reads it from the same slot, handing
 * the slot back once read past.
 *
 * <p>A stream session's decisions are made by a {@link
 * io.loudp2p.core.stream.internal.StreamSessionAgent}: a single-threaded agent whose {@code
 * doWork(nowNs)} runs on the time it is handed and reads no clock. {@link
 * io.loudp2p.core.stream.internal.RealStreamSession} runs it on an {@link
 * io.loudp2p.core.internal.AgentRunner} thread in production; a test drives it by hand on a fake
 * clock.
 *
 * <p>Implementation only: no compatibility promise.
 */
@NullMarked
package io.loudp2p.core.stream.internal;

import org.jspecify.annotations.NullMarked;
