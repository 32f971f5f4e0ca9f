package io.loudp2p.transport.udp.internal;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;

/**
 * What the UDP session tests share: a source's chunk provider, session IDs, and closing what a
 * test opened, last first, even when it fails; tests that play one end by hand ({@link RawPeer})
 * extend it directly.
 */
public abstract class RawPeerTestBase {
  /** Loopback, any free port. */
  public static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  static final int CHUNK = 16 * 1024;

  private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

  @AfterEach
  protected void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** Closes {@code c} after the test. */
  protected <T extends AutoCloseable> T later(T c) {
    toClose.add(c);
    return c;
  }

  /** Accepts every session; chunks below {@code chunks} exist, each byte its index; no early data. */
  static ChunkProvider chunks(int chunks) {
    return chunks(chunks, false);
  }

  /**
   * Accepts every session; chunks below {@code chunks} exist, each byte its index; early data
   * (PROTOCOL.md section 8, early requests) for every host when {@code early}.
   */
  static ChunkProvider chunks(int chunks, boolean early) {
    return new ChunkProvider() {
      @Override
      public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
        return true;
      }

      @Override
      public boolean earlyData(DataSessionId session, InetSocketAddress from) {
        return early;
      }

      @Override
      public int chunkLength(DataSessionId session, int index) {
        return index >= 0 && index < chunks ? CHUNK : -1;
      }

      @Override
      public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
        while (dst.hasRemaining()) {
          dst.put((byte) index);
        }
      }
    };
  }

  /** A session ID told apart by {@code n}. */
  static DataSessionId id(int n) {
    byte[] b = new byte[16];
    b[0] = (byte) n;
    b[15] = 0x55;
    return DataSessionId.fromBytes(b);
  }
}
