package io.loudp2p.core.stream.internal;

import io.loudp2p.core.content.Manifest;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.IntPredicate;

/**
 * A source's chunk provider for the session tests: it accepts every session and serves the
 * chunks of one track's bytes that it holds.
 */
final class OneTrackProvider implements ChunkProvider {
  private final byte[] served;
  private final IntPredicate holds;

  /** Serves {@code served} (not copied), chunk by chunk, those {@code holds} accepts. */
  OneTrackProvider(byte[] served, IntPredicate holds) {
    this.served = served;
    this.holds = holds;
  }

  /** Serves every chunk of {@code served}. */
  OneTrackProvider(byte[] served) {
    this(served, i -> true);
  }

  @Override
  public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
    return true;
  }

  @Override
  public int chunkLength(DataSessionId session, int index) {
    long start = (long) index * Manifest.CHUNK_SIZE;
    if (index < 0 || start >= served.length || !holds.test(index)) {
      return -1;
    }
    return (int) Math.min(Manifest.CHUNK_SIZE, served.length - start);
  }

  @Override
  public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
    dst.put(served, index * Manifest.CHUNK_SIZE + offset, dst.remaining());
  }
}
