package io.loudp2p.benchmarks;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/** Shared pieces of the UDP end-to-end benchmarks: an endless track and a counting receiver. */
final class UdpStreams {
  static final int CHUNK = 16 * 1024;

  private UdpStreams() {}

  /** Serves every session an endless track of one repeated random chunk. */
  static final class EndlessTrack implements ChunkProvider {
    private final byte[] chunk = new byte[CHUNK];

    EndlessTrack() {
      new Random(1).nextBytes(chunk);
    }

    @Override
    public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
      return true;
    }

    @Override
    public int chunkLength(DataSessionId session, int index) {
      return CHUNK;
    }

    @Override
    public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
      dst.put(chunk, offset, dst.remaining());
    }
  }

  /**
   * Counts the chunk bytes of a session and keeps chunks requested ahead: chunk {@code i} is
   * requested once fewer than {@code window} chunks are outstanding and {@code allowed} permits.
   */
  static class Counter implements DataSession.Listener {
    final int window;
    volatile DataSession session;
    private int[] received = new int[1024];
    private int nextRequest;
    private int completed;
    private int inOrder;
    volatile long bytes;
    volatile long inOrderBytes;
    volatile boolean closed;

    Counter(int window) {
      this.window = window;
    }

    /** How many chunks may be requested in all, now; unlimited by default. */
    int allowedChunks() {
      return Integer.MAX_VALUE;
    }

    synchronized void top() {
      int allowed = allowedChunks();
      while (nextRequest - completed < window && nextRequest < allowed) {
        session.request(nextRequest++);
      }
    }

    @Override
    public synchronized void onFragment(int chunkIndex, int offset, ByteBuffer data) {
      if (chunkIndex >= received.length) {
        int[] bigger = new int[Math.max(received.length * 2, chunkIndex + 1)];
        System.arraycopy(received, 0, bigger, 0, received.length);
        received = bigger;
      }
      if (received[chunkIndex] >= CHUNK) {
        return;
      }
      int n = Math.min(data.remaining(), CHUNK - received[chunkIndex]);
      received[chunkIndex] += n;
      bytes += n;
      if (received[chunkIndex] >= CHUNK) {
        completed++;
        while (inOrder < received.length && received[inOrder] >= CHUNK) {
          inOrder++;
        }
        inOrderBytes = (long) inOrder * CHUNK;
        top();
      }
    }

    @Override
    public void onUnavailable(int chunkIndex) {}

    @Override
    public void onClosed(DataSession.CloseReason reason) {
      closed = true;
    }
  }

  static CompletableFuture<DataSession> open(DataTransport receiver, DataServer server,
      DataSessionId id, Counter counter) {
    byte[] key = receiver.prepare(id);
    DataOffer offer = server.prepare(id, key);
    return receiver.open(offer.endpoint(), id, new byte[0], offer.publicKey(), counter)
        .thenApply(s -> {
          counter.session = s;
          return s;
        });
  }

  static DataSessionId id(int n) {
    byte[] b = new byte[16];
    new Random(n).nextBytes(b);
    return DataSessionId.fromBytes(b);
  }
}
