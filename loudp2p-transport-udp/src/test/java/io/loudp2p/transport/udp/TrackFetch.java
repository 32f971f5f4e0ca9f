package io.loudp2p.transport.udp;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Fetches one track over a session the way a player would: a window of chunks requested ahead,
 * each verified by SHA-256 when complete, chunks still missing after a while asked for again.
 *
 * <p>The while is {@link #PATIENCE_MS}, longer than the transport needs to recover a loss in any
 * test here, so that a chunk asked for again ({@link #rerequests}) means the transport's own
 * recovery failed, not that the test covered for it.
 */
final class TrackFetch implements DataSession.Listener {
  static final int CHUNK = 16 * 1024;

  /** How long a chunk may be missing after it was asked for before it is asked for again. */
  static final long PATIENCE_MS = 10_000;

  /** Serves random tracks by session ID and accepts every session it knows. */
  static final class Tracks implements ChunkProvider {
    final Map<DataSessionId, byte[]> tracks = new ConcurrentHashMap<>();

    byte[] add(DataSessionId id, int length, long seed) {
      byte[] t = new byte[length];
      new Random(seed).nextBytes(t);
      tracks.put(id, t);
      return t;
    }

    @Override
    public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
      return tracks.containsKey(session);
    }

    @Override
    public int chunkLength(DataSessionId session, int index) {
      byte[] t = tracks.get(session);
      long start = (long) index * CHUNK;
      if (t == null || start >= t.length) {
        return -1;
      }
      return (int) Math.min(CHUNK, t.length - start);
    }

    @Override
    public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
      dst.put(tracks.get(session), index * CHUNK + offset, dst.remaining());
    }
  }

  static DataSessionId id(long seed) {
    byte[] b = new byte[16];
    new Random(seed).nextBytes(b);
    return DataSessionId.fromBytes(b);
  }

  private final byte[][] expectedHashes;
  private final int length;
  private final int chunks;
  private final int window;
  private final byte[][] data;
  private final BitSet[] have;
  private final boolean[] done;
  private final long[] requestedAtNs;
  private int nextToRequest;
  private int completed;
  final CompletableFuture<Void> finished = new CompletableFuture<>();
  final CompletableFuture<DataSession.CloseReason> closed = new CompletableFuture<>();
  final AtomicLong bytes = new AtomicLong();
  final AtomicLong rerequests = new AtomicLong();
  volatile DataSession session;

  TrackFetch(byte[] track, int window) {
    this.length = track.length;
    this.chunks = (track.length + CHUNK - 1) / CHUNK;
    this.window = window;
    this.expectedHashes = new byte[chunks][];
    this.data = new byte[chunks][];
    this.have = new BitSet[chunks];
    this.done = new boolean[chunks];
    this.requestedAtNs = new long[chunks];
    for (int i = 0; i < chunks; i++) {
      expectedHashes[i] = sha256(Arrays.copyOfRange(track, i * CHUNK, chunkLength(i) + i * CHUNK));
    }
  }

  private int chunkLength(int i) {
    return Math.min(CHUNK, length - i * CHUNK);
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sets up and opens a session, through {@code via} (the relay's front for an endpoint). */
  static DataSession open(DataTransport receiver, DataServer server, DataSessionId id,
      TrackFetch fetch, Function<InetSocketAddress, InetSocketAddress> via) throws Exception {
    byte[] key = receiver.prepare(id);
    DataOffer offer = server.prepare(id, key);
    DataSession s = receiver.open(via.apply(offer.endpoint()), id, new byte[] {1},
        offer.publicKey(), fetch).get(5, TimeUnit.SECONDS);
    fetch.session = s;
    return s;
  }

  /** Requests the first window. */
  synchronized void start() {
    fill(System.nanoTime());
  }

  private void fill(long now) {
    while (nextToRequest < chunks && nextToRequest - completedPrefix() < window) {
      requestedAtNs[nextToRequest] = now;
      session.request(nextToRequest++);
    }
  }

  private int prefix;

  private int completedPrefix() {
    while (prefix < chunks && done[prefix]) {
      prefix++;
    }
    return prefix;
  }

  /** Asks again for requested chunks still incomplete after {@code afterMs}. */
  synchronized void rerequest(long afterMs) {
    long now = System.nanoTime();
    for (int i = completedPrefix(); i < nextToRequest; i++) {
      if (!done[i] && now - requestedAtNs[i] > afterMs * 1_000_000L) {
        requestedAtNs[i] = now;
        rerequests.incrementAndGet();
        session.request(i);
      }
    }
  }

  @Override
  public synchronized void onFragment(int chunkIndex, int offset, ByteBuffer fragment) {
    if (chunkIndex >= chunks || done[chunkIndex]) {
      return;
    }
    int n = fragment.remaining();
    if (offset + n > chunkLength(chunkIndex)) {
      finished.completeExceptionally(new AssertionError("fragment past the chunk end"));
      return;
    }
    if (data[chunkIndex] == null) {
      data[chunkIndex] = new byte[chunkLength(chunkIndex)];
      have[chunkIndex] = new BitSet(chunkLength(chunkIndex));
    }
    fragment.get(data[chunkIndex], offset, n);
    int before = have[chunkIndex].cardinality();
    have[chunkIndex].set(offset, offset + n);
    bytes.addAndGet(have[chunkIndex].cardinality() - before);
    if (have[chunkIndex].cardinality() == chunkLength(chunkIndex)) {
      if (!Arrays.equals(sha256(data[chunkIndex]), expectedHashes[chunkIndex])) {
        finished.completeExceptionally(new AssertionError("chunk " + chunkIndex + " corrupted"));
        return;
      }
      done[chunkIndex] = true;
      data[chunkIndex] = null;
      have[chunkIndex] = null;
      completed++;
      if (completed == chunks) {
        finished.complete(null);
      } else {
        fill(System.nanoTime());
      }
    }
  }

  @Override
  public void onUnavailable(int chunkIndex) {
    finished.completeExceptionally(new AssertionError("chunk " + chunkIndex + " unavailable"));
  }

  @Override
  public void onClosed(DataSession.CloseReason reason) {
    closed.complete(reason);
    finished.completeExceptionally(new AssertionError("session closed: " + reason));
  }

  /** Waits for every chunk, asking again for stragglers, within {@code timeoutMs}. */
  void await(long timeoutMs) throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (!finished.isDone()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("track incomplete after " + timeoutMs + " ms: " + completed
            + " of " + chunks + " chunks");
      }
      try {
        finished.get(200, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        rerequest(PATIENCE_MS);
      }
    }
    finished.get();
  }
}
