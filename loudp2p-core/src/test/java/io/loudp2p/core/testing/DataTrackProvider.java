package io.loudp2p.core.testing;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Serves tracks by session: chunk bytes, which chunks it has, which sessions it accepts. */
final class DataTrackProvider implements ChunkProvider {
  final Map<DataSessionId, byte[]> tracks = new ConcurrentHashMap<>();
  final Set<Integer> missing = ConcurrentHashMap.newKeySet();
  final Map<DataSessionId, CompletableFuture<Void>> closed = new ConcurrentHashMap<>();
  final AtomicInteger accepted = new AtomicInteger();

  void add(DataSessionId id, byte[] track) {
    tracks.put(id, track);
    closed.put(id, new CompletableFuture<>());
  }

  @Override
  public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
    boolean ok = tracks.containsKey(session) && Arrays.equals(handshake, handshakeFor(session));
    if (ok) {
      accepted.incrementAndGet();
    }
    return ok;
  }

  @Override
  public boolean knows(DataSessionId session) {
    return tracks.containsKey(session);
  }

  @Override
  public int chunkLength(DataSessionId session, int index) {
    byte[] track = tracks.get(session);
    if (track == null || index < 0 || missing.contains(index)) {
      return -1;
    }
    long start = (long) index * AbstractDataTransportTest.CHUNK_SIZE;
    if (start >= track.length) {
      return -1;
    }
    return (int) Math.min(AbstractDataTransportTest.CHUNK_SIZE, track.length - start);
  }

  @Override
  public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
    byte[] track = tracks.get(session);
    dst.put(track, index * AbstractDataTransportTest.CHUNK_SIZE + offset, dst.remaining());
  }

  @Override
  public void onSessionClosed(DataSessionId session) {
    closed.get(session).complete(null);
  }

  /** The handshake a receiver of {@code id} presents and this provider accepts. */
  static byte[] handshakeFor(DataSessionId id) {
    byte[] h = id.bytes();
    for (int i = 0; i < h.length; i++) {
      h[i] ^= 0x5a;
    }
    return h;
  }
}
