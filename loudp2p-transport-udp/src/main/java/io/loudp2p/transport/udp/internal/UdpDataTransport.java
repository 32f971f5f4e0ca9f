package io.loudp2p.transport.udp.internal;

import io.loudp2p.spi.AddressObservation;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.jspecify.annotations.Nullable;

/**
 * Chunk delivery over UDP: one socket per session on each side, datagrams sealed with
 * per-session keys from an X25519 exchange carried in the signed stream initiation, loss recovery,
 * congestion control and pacing per session (PROTOCOL.md, "UDP data plane").
 *
 * <p>Thread-safe. Sessions run on a few I/O threads ({@link io.loudp2p.transport.udp.UdpTransportOptions#ioThreads()}),
 * each serving many sessions; listener callbacks run there, so a callback that blocks stalls every
 * session of its thread (see {@link DataSession.Listener}).
 */
public final class UdpDataTransport implements DataTransport {
  private static final AtomicInteger TRANSPORTS = new AtomicInteger();

  private final UdpSettings settings;
  private final IoLoop[] loops;
  private final AtomicInteger nextLoop = new AtomicInteger();
  private final Drops drops = new Drops();
  private final Set<UdpDataServer> servers = ConcurrentHashMap.newKeySet();
  private final Set<ReceiverConnection> sessions = ConcurrentHashMap.newKeySet();
  private final Map<DataSessionId, PreparedKey> preparedKeys = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** A prepared session: its key, when, and its socket once bound for hole punching. */
  private record PreparedKey(X25519PrivateKeyParameters key, byte[] publicKey, long atNs,
      @Nullable DatagramChannel channel) {
    void release() {
      if (channel != null) {
        closeQuietly(channel);
      }
    }
  }

  /** A transport with {@code options} and the default session policies. */
  public UdpDataTransport(TransportOptions options) {
    this(options, DefaultSessionPolicies.INSTANCE);
  }

  /**
   * A transport with {@code options} whose sessions run with the RTT estimators, loss detectors,
   * congestion controllers and pacers {@code policies} makes.
   */
  public UdpDataTransport(TransportOptions options, SessionPolicies policies) {
    this.settings = new UdpSettings(options, policies);
    this.loops = new IoLoop[settings.ioThreads];
    int n = TRANSPORTS.incrementAndGet();
    try {
      for (int i = 0; i < loops.length; i++) {
        loops[i] = new IoLoop("loudp2p-udp-" + n + "-" + i);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("no selector for the UDP transport", e);
    }
    for (IoLoop loop : loops) {
      loop.start();
    }
  }

  /** The datagrams this transport dropped, by reason. */
  public Drops drops() {
    return drops;
  }

  /** {@link #drops()} by the names of its reasons. */
  @Override
  public Map<String, Long> dropCounts() {
    Map<String, Long> out = new java.util.TreeMap<>();
    drops.snapshot().forEach((reason, n) -> out.put(reason.name(), n));
    return out;
  }

  IoLoop nextLoop() {
    return loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)];
  }

  /**
   * A non-blocking socket bound to {@code bind}, never connected: either side of a session may
   * hear the other from a new address after a move.
   */
  DatagramChannel openChannel(InetSocketAddress bind) throws IOException {
    DatagramChannel c = DatagramChannel.open(
        bind.getAddress() instanceof Inet6Address
            ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    try {
      c.configureBlocking(false);
      c.setOption(StandardSocketOptions.SO_RCVBUF, settings.socketBufferBytes);
      c.setOption(StandardSocketOptions.SO_SNDBUF, settings.socketBufferBytes);
      c.bind(bind);
      return c;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private static final InetAddress IPV4_LOOPBACK = address(new byte[] {127, 0, 0, 1});
  private static final InetAddress IPV6_LOOPBACK =
      address(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});

  private static InetAddress address(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Where a receiver's socket for {@code source} binds: the loopback address of the source's family
   * when the source is on loopback (so that such a session never listens beyond this host), the
   * wildcard address otherwise; any free port.
   */
  static InetSocketAddress receiverBind(InetSocketAddress source) {
    InetAddress remote = source.getAddress();
    boolean v6 = remote instanceof Inet6Address;
    if (remote != null && remote.isLoopbackAddress()) {
      return new InetSocketAddress(v6 ? IPV6_LOOPBACK : IPV4_LOOPBACK, 0);
    }
    return v6 ? new InetSocketAddress("::", 0) : new InetSocketAddress(0);
  }

  static void closeQuietly(DatagramChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing more to do
    }
  }

  private static <T> CompletableFuture<T> failed(ControlErrorCode code, String message) {
    return CompletableFuture.failedFuture(new ControlException(code, message));
  }

  // ------------------------------------------------------------------ receiver side

  @Override
  public byte[] prepare(DataSessionId id) {
    if (closed) {
      throw new ControlException(ControlErrorCode.UNAVAILABLE, "the UDP data transport is closed");
    }
    long now = System.nanoTime();
    preparedKeys.values().removeIf(k -> {
      boolean stale = now - k.atNs() > settings.preparedTimeoutNs;
      if (stale) {
        k.release();
      }
      return stale;
    });
    if (preparedKeys.size() >= settings.maxPrepared && !preparedKeys.containsKey(id)) {
      throw new ControlException(ControlErrorCode.RESOURCE_EXHAUSTED,
          "more than " + settings.maxPrepared + " UDP sessions prepared and not opened");
    }
    X25519PrivateKeyParameters key = SessionCrypto.newPrivateKey();
    byte[] publicKey = SessionCrypto.publicKey(key);
    PreparedKey old = preparedKeys.put(id, new PreparedKey(key, publicKey, now, null));
    if (old != null) {
      old.release();
    }
    return publicKey.clone();
  }

  /**
   * Binds the prepared session's socket on the wildcard address of {@code heardAt}'s family; the
   * session then takes its source's first authenticated datagram from any address (PROTOCOL.md
   * section 8, hole punching).
   */
  @Override
  public int bindForPunching(DataSessionId id, InetAddress heardAt) {
    PreparedKey prepared = preparedKeys.get(id);
    if (prepared == null) {
      throw new ControlException(ControlErrorCode.MALFORMED,
          "session " + id + " was not prepared with prepare(id) (or it expired)");
    }
    if (prepared.channel() != null) {
      return ((InetSocketAddress) localAddress(prepared.channel())).getPort();
    }
    DatagramChannel channel;
    try {
      channel = openChannel(heardAt instanceof Inet6Address
          ? new InetSocketAddress("::", 0) : new InetSocketAddress(0));
    } catch (IOException | RuntimeException e) {
      throw new ControlException(ControlErrorCode.UNAVAILABLE, "no UDP socket for session " + id
          + ": " + e.getMessage(), e);
    }
    PreparedKey bound = new PreparedKey(prepared.key(), prepared.publicKey(), prepared.atNs(),
        channel);
    if (!preparedKeys.replace(id, prepared, bound)) {
      closeQuietly(channel);
      throw new ControlException(ControlErrorCode.MALFORMED,
          "session " + id + " was opened or prepared again meanwhile");
    }
    return ((InetSocketAddress) localAddress(channel)).getPort();
  }

  @Override
  public void forget(DataSessionId id) {
    PreparedKey prepared = preparedKeys.remove(id);
    if (prepared != null) {
      prepared.release();
    }
  }

  private static java.net.SocketAddress localAddress(DatagramChannel channel) {
    try {
      return channel.getLocalAddress();
    } catch (IOException e) {
      throw new ControlException(ControlErrorCode.UNAVAILABLE, "a closed UDP socket", e);
    }
  }

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, DataSession.Listener listener) {
    return failed(ControlErrorCode.UNAVAILABLE, "the UDP transport needs the source's session key:"
        + " call prepare(id), then open with the DataOffer's endpoint and public key");
  }

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, byte[] sourceKey, DataSession.Listener listener) {
    return open(source, id, handshake, sourceKey, new int[0], listener);
  }

  /** Opens with {@code firstWants} in the HELLO datagrams (PROTOCOL.md section 8, early requests). */
  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, byte[] sourceKey, int[] firstWants, DataSession.Listener listener) {
    if (closed) {
      return failed(ControlErrorCode.UNAVAILABLE, "the UDP data transport is closed");
    }
    if (handshake.length > Wire.MAX_HANDSHAKE) {
      return failed(ControlErrorCode.MALFORMED,
          "a UDP handshake has at most " + Wire.MAX_HANDSHAKE + " bytes, got " + handshake.length);
    }
    PreparedKey prepared = preparedKeys.remove(id);
    if (prepared == null) {
      return failed(ControlErrorCode.MALFORMED,
          "session " + id + " was not prepared with prepare(id) (or it expired)");
    }
    byte[] keys;
    try {
      keys = SessionCrypto.deriveKeys(prepared.key(), sourceKey, id.bytes(), prepared.publicKey(),
          sourceKey);
    } catch (IllegalArgumentException e) {
      prepared.release();
      return failed(ControlErrorCode.MALFORMED, "bad source key: " + e.getMessage());
    }
    DatagramChannel channel = prepared.channel();
    boolean punched = channel != null;
    if (channel == null) {
      try {
        channel = openChannel(receiverBind(source));
      } catch (IOException | RuntimeException e) {
        return failed(ControlErrorCode.UNAVAILABLE, "no UDP socket to " + source + ": " + e);
      }
    }
    IoLoop loop = nextLoop();
    long now = System.nanoTime();
    ReceiverConnection c = new ReceiverConnection(loop, channel, id, settings, drops, this, source,
        handshake, firstWants, SessionCrypto.forReceiver(keys), listener,
        UdpSettings.firstHelloIntervalNs(now - prepared.atNs()), punched, now);
    sessions.add(c);
    boolean queued = loop.execute(() -> {
      if (closed) {
        c.failOpen(new ControlException(ControlErrorCode.UNAVAILABLE,
            "the UDP data transport is closed"));
        return;
      }
      try {
        c.register();
      } catch (IOException e) {
        c.failOpen(new ControlException(ControlErrorCode.UNAVAILABLE, "registering failed", e));
      }
    });
    if (!queued) { // closed meanwhile: the loop is gone
      sessions.remove(c);
      closeQuietly(channel);
      return failed(ControlErrorCode.UNAVAILABLE, "the UDP data transport is closed");
    }
    return c.opened;
  }

  void complete(CompletableFuture<DataSession> future, DataSession session) {
    Executor executor = settings.callbackExecutor;
    if (executor == null) {
      future.complete(session);
    } else {
      executor.execute(() -> future.complete(session));
    }
  }

  void fail(CompletableFuture<DataSession> future, Throwable why) {
    Executor executor = settings.callbackExecutor;
    if (executor == null) {
      future.completeExceptionally(why);
    } else {
      executor.execute(() -> future.completeExceptionally(why));
    }
  }

  void removed(ReceiverConnection c) {
    sessions.remove(c);
  }

  // ------------------------------------------------------------------ source side

  @Override
  public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
    if (closed) {
      return failed(ControlErrorCode.UNAVAILABLE, "the UDP data transport is closed");
    }
    try {
      DatagramChannel channel = openChannel(address);
      IoLoop loop = loops[0];
      UdpDataServer server = new UdpDataServer(this, settings, provider, channel, loop);
      servers.add(server);
      CompletableFuture<DataServer> bound = new CompletableFuture<>();
      boolean queued = loop.execute(() -> {
        if (closed) {
          server.close();
          bound.completeExceptionally(new ControlException(ControlErrorCode.UNAVAILABLE,
              "the UDP data transport is closed"));
          return;
        }
        try {
          server.register();
          bound.complete(server);
        } catch (IOException | RuntimeException e) {
          server.close();
          bound.completeExceptionally(new ControlException(ControlErrorCode.UNAVAILABLE,
              "cannot serve on " + address, e));
        }
      });
      if (!queued) { // closed meanwhile: the loop is gone
        servers.remove(server);
        closeQuietly(channel);
        return failed(ControlErrorCode.UNAVAILABLE, "the UDP data transport is closed");
      }
      return bound;
    } catch (IOException e) {
      return failed(ControlErrorCode.UNAVAILABLE, "cannot bind " + address + ": " + e);
    }
  }

  // ------------------------------------------------------------------ address observation

  /** Asks from one new socket, on the loopback address for loopback observers. */
  @Override
  public CompletableFuture<AddressObservation> observe(List<InetSocketAddress> observers,
      Duration within) {
    if (closed) {
      return failed(ControlErrorCode.UNAVAILABLE, "the UDP data transport is closed");
    }
    if (observers.isEmpty()) {
      return failed(ControlErrorCode.MALFORMED, "no observer to ask");
    }
    DatagramChannel channel;
    try {
      channel = openChannel(receiverBind(observers.get(0)));
    } catch (IOException | RuntimeException e) {
      return failed(ControlErrorCode.UNAVAILABLE, "no UDP socket to observe from: " + e);
    }
    try {
      AddressObserver observer = new AddressObserver(nextLoop(), channel, observers,
          Math.max(1, within.toMillis()));
      if (!observer.start()) {
        closeQuietly(channel);
        return failed(ControlErrorCode.UNAVAILABLE, "the UDP data transport is closed");
      }
      return observer.done;
    } catch (IOException e) {
      closeQuietly(channel);
      return failed(ControlErrorCode.UNAVAILABLE, "no UDP socket to observe from: " + e);
    }
  }

  void serverClosed(UdpDataServer server) {
    servers.remove(server);
  }

  // ------------------------------------------------------------------ statistics

  /** What this transport's sessions hold, summed, read on their threads. */
  public Stats stats() {
    List<CompletableFuture<long[]>> parts = new ArrayList<>();
    for (IoLoop loop : loops) {
      CompletableFuture<long[]> part = new CompletableFuture<>();
      boolean queued = loop.execute(() -> {
        long[] s = new long[STATS];
        s[4] = -1;
        for (Connection c : loop.connections()) {
          s[0]++;
          s[1] += c.trackedState();
          s[2] += c.packetsSent;
          s[3] += c.packetsLost;
          s[4] = Math.max(s[4], c.largestAcceptedPn());
          s[5] += c.dataRetransmitted;
          s[6] += c instanceof SourceConnection sc ? sc.pathChanges : 0;
        }
        part.complete(s);
      });
      if (!queued) {
        long[] none = new long[STATS]; // a stopped loop serves nothing
        none[4] = -1;
        part.complete(none);
      }
      parts.add(part);
    }
    long[] sum = new long[STATS];
    sum[4] = -1;
    for (CompletableFuture<long[]> part : parts) {
      try {
        long[] s = part.get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 4; i++) {
          sum[i] += s[i];
        }
        sum[4] = Math.max(sum[4], s[4]);
        sum[5] += s[5];
        sum[6] += s[6];
      } catch (Exception e) {
        // a stopped loop: nothing to add
      }
    }
    return new Stats((int) sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6]);
  }

  private static final int STATS = 7;

  /**
   * The I/O threads of this transport, one per loop, for diagnostics (what each costs in CPU time
   * or allocation, say).
   */
  public List<Thread> ioThreads() {
    List<Thread> threads = new ArrayList<>();
    for (IoLoop loop : loops) {
      threads.add(loop.thread());
    }
    return threads;
  }

  /**
   * A snapshot of a transport's sessions.
   *
   * @param sessions sessions open or prepared
   * @param trackedState packets tracked for loss, chunks wanted, requests pending and resends
   *     queued, summed over sessions: what bounds their memory
   * @param packetsSent datagrams sent by live sessions
   * @param packetsLost packets declared lost by live sessions
   * @param largestAcceptedPacketNumber the largest packet number any live session accepted from
   *     its peer (the top of its anti-replay window), or -1
   * @param dataRetransmitted DATA frames live source sessions sent again after a loss
   * @param pathChanges times live source sessions moved to a new address of their receiver's
   *     after it proved it was there (the receiver changed networks)
   */
  public record Stats(int sessions, long trackedState, long packetsSent, long packetsLost,
      long largestAcceptedPacketNumber, long dataRetransmitted, long pathChanges) {}

  // ------------------------------------------------------------------ closing

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (UdpDataServer server : servers) {
      server.close();
    }
    for (ReceiverConnection session : sessions) {
      session.close();
    }
    preparedKeys.values().forEach(PreparedKey::release);
    preparedKeys.clear();
    for (IoLoop loop : loops) {
      loop.stop();
    }
  }
}
