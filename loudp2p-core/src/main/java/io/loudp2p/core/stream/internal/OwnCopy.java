package io.loudp2p.core.stream.internal;

import io.loudp2p.spi.DataTransport;

/**
 * The transport of a source that is this peer's own copy of the track (its shared file or its
 * cache): a stream session asks it first for every chunk it holds (see {@link
 * ChunkScheduler#prefer}).
 */
public interface OwnCopy extends DataTransport {}
