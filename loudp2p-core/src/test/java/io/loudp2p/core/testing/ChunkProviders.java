package io.loudp2p.core.testing;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** Chunk providers for transport tests that need a source but not its chunks. */
public final class ChunkProviders {
  /** Accepts every session and has no chunk at all. */
  public static final ChunkProvider NOTHING = new ChunkProvider() {
    @Override
    public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
      return true;
    }

    @Override
    public int chunkLength(DataSessionId session, int index) {
      return -1;
    }

    @Override
    public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {}
  };

  private ChunkProviders() {}
}
