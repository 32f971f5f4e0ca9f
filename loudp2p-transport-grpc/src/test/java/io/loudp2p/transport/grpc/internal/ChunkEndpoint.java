package io.loudp2p.transport.grpc.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.loudp2p.PeerId;
import io.loudp2p.core.proto.v1.ChunkRequest;
import io.loudp2p.core.proto.v1.DataFrame;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A real gRPC data endpoint on 127.0.0.1 and raw clients that send it whatever bytes a test
 * likes: the attacker's view of {@code FetchChunks}.
 */
final class ChunkEndpoint implements AutoCloseable {
  static final int CHUNK = 16 * 1024;
  static final Duration WAIT = Duration.ofSeconds(20);

  /** FetchChunks with messages as raw bytes both ways, so a request may be any bytes at all. */
  static final MethodDescriptor<byte[], byte[]> FETCH_RAW =
      MethodDescriptor.newBuilder(RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE)
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(Loudp2pGrpc.getFetchChunksMethod().getFullMethodName())
          .build();

  final Chunks provider;
  final GrpcDataTransport transport;
  final DataServer server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  ChunkEndpoint(int chunks) throws Exception {
    this(chunks, TransportOptions.defaults());
  }

  ChunkEndpoint(int chunks, TransportOptions options) throws Exception {
    provider = new Chunks(chunks);
    transport = new GrpcDataTransport(options);
    server = transport.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), provider)
        .get(10, TimeUnit.SECONDS);
  }

  ChunkStreamSource source() {
    ChunkStreamSource s = transport.source(server);
    if (s == null) {
      throw new IllegalStateException("no source behind " + server);
    }
    return s;
  }

  /** A new connection to the endpoint (a client of its own, at the same address as the others). */
  ManagedChannel channel() {
    return channel(1 << 20);
  }

  /** A connection whose HTTP/2 windows are {@code window} bytes. */
  ManagedChannel channel(int window) {
    ManagedChannel c = NettyChannelBuilder.forAddress(server.address())
        .usePlaintext()
        .flowControlWindow(window)
        .build();
    channels.add(c);
    return c;
  }

  @Override
  public void close() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      c.awaitTermination(5, TimeUnit.SECONDS);
    }
    server.close();
    transport.close();
  }

  static PeerId peer(int n) {
    byte[] b = new byte[PeerId.LENGTH];
    b[0] = (byte) PeerId.VERSION;
    b[1] = (byte) (n >> 8);
    b[2] = (byte) n;
    return PeerId.fromBytes(b);
  }

  /** The first request of a session the provider knows, with {@code wants}. */
  static ChunkRequest handshake(DataSessionId id, int... wants) {
    ChunkRequest.Builder b = ChunkRequest.newBuilder()
        .setSessionId(ByteString.copyFrom(id.bytes()))
        .setHandshake(ByteString.copyFrom(Chunks.handshakeOf(id)));
    for (int w : wants) {
      b.addWant(w);
    }
    return b.build();
  }

  static ChunkRequest want(int... wants) {
    ChunkRequest.Builder b = ChunkRequest.newBuilder();
    for (int w : wants) {
      b.addWant(w);
    }
    return b.build();
  }

  static ChunkRequest cancel(int... cancels) {
    ChunkRequest.Builder b = ChunkRequest.newBuilder();
    for (int c : cancels) {
      b.addCancel(c);
    }
    return b.build();
  }

  /**
   * Serves a track of {@code chunks} full chunks of random bytes to the sessions it was told of;
   * knows which peer opened each.
   */
  static final class Chunks implements ChunkProvider {
    final byte[] track;
    final int chunks;
    final Map<DataSessionId, PeerId> sessions = new ConcurrentHashMap<>();
    final Set<Integer> empty = ConcurrentHashMap.newKeySet();
    final AtomicInteger closed = new AtomicInteger();
    private final AtomicLong next = new AtomicLong();

    Chunks(int chunks) {
      this.chunks = chunks;
      this.track = new byte[chunks * CHUNK];
      new Random(7).nextBytes(track);
    }

    /** A new session this provider accepts, opened by {@code peer}. */
    DataSessionId session(PeerId peer) {
      byte[] b = new byte[DataSessionId.LENGTH];
      ByteBuffer.wrap(b).putLong(next.incrementAndGet()).putLong(0x5eed);
      DataSessionId id = DataSessionId.fromBytes(b);
      sessions.put(id, peer);
      return id;
    }

    static byte[] handshakeOf(DataSessionId id) {
      byte[] h = id.bytes();
      for (int i = 0; i < h.length; i++) {
        h[i] ^= 0x3c;
      }
      return h;
    }

    /** Sessions accepted once only, as a peer accepts each session once per transport. */
    private final Set<DataSessionId> once = ConcurrentHashMap.newKeySet();
    private final Set<DataSessionId> opened = ConcurrentHashMap.newKeySet();

    /** {@code id} is accepted once, and refused when opened again. */
    void acceptOnce(DataSessionId id) {
      once.add(id);
    }

    @Override
    public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
      return sessions.containsKey(session) && java.util.Arrays.equals(handshake, handshakeOf(session))
          && (!once.contains(session) || opened.add(session));
    }

    @Override
    public boolean knows(DataSessionId session) {
      return sessions.containsKey(session);
    }

    /** The signer of the session's stream initiation, as a peer knows it. */
    public @Nullable PeerId peerOf(DataSessionId session) {
      return sessions.get(session);
    }

    @Override
    public int chunkLength(DataSessionId session, int index) {
      if (empty.contains(index)) {
        return 0;
      }
      return index >= 0 && index < chunks ? CHUNK : -1;
    }

    @Override
    public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
      dst.put(track, index * CHUNK + offset, dst.remaining());
    }

    @Override
    public void onSessionClosed(DataSessionId session) {
      closed.incrementAndGet();
    }
  }

  /** One raw FetchChunks call: sends bytes, reads frames only when told to, records the end. */
  static final class RawStream extends ClientCall.Listener<byte[]> {
    private final ClientCall<byte[], byte[]> call;
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    final CompletableFuture<Void> accepted = new CompletableFuture<>();
    final Map<Integer, AtomicLong> bytesPerChunk = new ConcurrentHashMap<>();
    final Map<Integer, CompletableFuture<Void>> unavailable = new ConcurrentHashMap<>();
    final AtomicLong chunkBytes = new AtomicLong();
    final AtomicLong badFrames = new AtomicLong();

    private RawStream(ManagedChannel channel, CallOptions options) {
      this.call = channel.newCall(FETCH_RAW, options);
    }

    /** Opens a call; a {@code reading} stream takes every frame as it comes. */
    static RawStream open(ManagedChannel channel, boolean reading) {
      return open(channel, reading, CallOptions.DEFAULT);
    }

    /** Opens a call that the client gives up after {@code deadline}. */
    static RawStream open(ManagedChannel channel, boolean reading, Duration deadline) {
      return open(channel, reading,
          CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    }

    private static RawStream open(ManagedChannel channel, boolean reading, CallOptions options) {
      RawStream s = new RawStream(channel, options);
      synchronized (s) {
        s.call.start(s, new Metadata());
        if (reading) {
          s.call.request(Integer.MAX_VALUE);
        }
      }
      return s;
    }

    synchronized RawStream send(byte[] message) {
      if (!closed.isDone()) {
        call.sendMessage(message);
      }
      return this;
    }

    RawStream send(ChunkRequest request) {
      return send(request.toByteArray());
    }

    synchronized void halfClose() {
      call.halfClose();
    }

    /** Takes one more frame (a stream opened without reading). */
    synchronized void readOne() {
      call.request(1);
    }

    /** Starts taking frames (a stream opened without reading). */
    synchronized void read() {
      call.request(Integer.MAX_VALUE);
    }

    long bytesOf(int chunk) {
      AtomicLong n = bytesPerChunk.get(chunk);
      return n == null ? 0 : n.get();
    }

    CompletableFuture<Void> unavailable(int chunk) {
      return unavailable.computeIfAbsent(chunk, c -> new CompletableFuture<>());
    }

    @Override
    public void onMessage(byte[] message) {
      DataFrame frame;
      try {
        frame = DataFrame.parseFrom(message);
      } catch (InvalidProtocolBufferException e) {
        badFrames.incrementAndGet();
        return;
      }
      switch (frame.getKindCase()) {
        case ACCEPTED:
          accepted.complete(null);
          break;
        case CHUNK:
          int n = frame.getChunk().getData().size();
          bytesPerChunk.computeIfAbsent(frame.getChunk().getChunkIndex(), c -> new AtomicLong())
              .addAndGet(n);
          chunkBytes.addAndGet(n);
          break;
        case UNAVAILABLE:
          unavailable(frame.getUnavailable()).complete(null);
          break;
        default:
          badFrames.incrementAndGet();
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closed.complete(status);
    }
  }
}
