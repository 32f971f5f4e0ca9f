package io.loudp2p.core.testing;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** The two ends of a data session for transport tests that need one but not what it carries. */
public final class TransportStubs {
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

  /** Hears a data session's events and does nothing with them. */
  public static final DataSession.Listener IGNORE = new DataSession.Listener() {
    @Override
    public void onFragment(int chunkIndex, int offset, ByteBuffer data) {}

    @Override
    public void onUnavailable(int chunkIndex) {}

    @Override
    public void onClosed(DataSession.CloseReason reason) {}
  };

  private TransportStubs() {}
}
