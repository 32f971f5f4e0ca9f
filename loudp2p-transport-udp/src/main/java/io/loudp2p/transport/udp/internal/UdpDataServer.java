package io.loudp2p.transport.udp.internal;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSessionId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source's end of the UDP transport. Its own socket reserves the announced address, answers
 * address observations (PROTOCOL.md section 8) and counts what else strays to it; each prepared
 * session gets a fresh socket on the same IP.
 *
 * <p>Thread-safe.
 */
final class UdpDataServer implements DataServer, IoLoop.Endpoint {
  private static final Logger log = LoggerFactory.getLogger(UdpLoggers.UDP);

  /** The most address observations the server's socket answers in one second. */
  static final int OBSERVE_ANSWERS_PER_SECOND = 100;

  private final UdpDataTransport transport;
  private final UdpSettings settings;
  private final ChunkProvider provider;
  private final DatagramChannel channel;
  private final InetSocketAddress address;
  private final IoLoop loop;
  // A session ID may be prepared again while an earlier session with it lives (a receiver that
  // reopens): each has its own socket and keys, so sessions are told apart by socket.
  private final Set<SourceConnection> sessions = ConcurrentHashMap.newKeySet();
  private final AtomicInteger prepared = new AtomicInteger();
  private volatile boolean closed;
  /** The start of the current window of observation answers, and how many it has; loop thread. */
  private long observeWindowNs = Long.MIN_VALUE / 2;
  private int observeAnswers;

  UdpDataServer(UdpDataTransport transport, UdpSettings settings, ChunkProvider provider,
      DatagramChannel channel, IoLoop loop) throws IOException {
    this.transport = transport;
    this.settings = settings;
    this.provider = provider;
    this.channel = channel;
    this.address = (InetSocketAddress) channel.getLocalAddress();
    this.loop = loop;
  }

  void register() throws IOException {
    channel.register(loop.selector(), SelectionKey.OP_READ, this);
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public void onReadable(long nowNs) {
    ByteBuffer buf = loop.receiveBuffer;
    for (int i = 0; i < 64; i++) {
      buf.clear();
      java.net.SocketAddress from;
      try {
        from = channel.receive(buf);
        if (from == null) {
          return;
        }
      } catch (IOException e) {
        return;
      }
      int length = buf.position();
      if (!Observations.isRequest(buf, length) || !(from instanceof InetSocketAddress sender)) {
        transport.drops().count(Drops.Reason.UNKNOWN_SESSION);
      } else if (!mayAnswer(nowNs)) {
        transport.drops().count(Drops.Reason.OBSERVE_LIMITED);
      } else {
        try {
          channel.send(Observations.answer(buf, sender), sender);
        } catch (IOException | RuntimeException e) {
          // the answer is lost, as a datagram may be; the asker asks again
        }
      }
    }
  }

  /**
   * Whether one more address observation may be answered now: at most {@link
   * #OBSERVE_ANSWERS_PER_SECOND} in any one-second window, whoever asks, so that the server's
   * socket cannot be made to send much for others (a forged sender gets answers no larger than
   * the requests).
   */
  private boolean mayAnswer(long nowNs) {
    if (nowNs - observeWindowNs >= 1_000_000_000L) {
      observeWindowNs = nowNs;
      observeAnswers = 0;
    }
    return observeAnswers++ < OBSERVE_ANSWERS_PER_SECOND;
  }

  @Override
  public DataOffer prepare(DataSessionId id, byte[] receiverKey) {
    return prepare(id, receiverKey, List.of());
  }

  /**
   * Prepares a session whose socket probes {@code punchTo} (at most {@link
   * UdpSettings#MAX_PUNCH_ADDRESSES}, the rest ignored) until the receiver's first HELLO comes
   * (PROTOCOL.md section 8, hole punching).
   */
  @Override
  public DataOffer prepare(DataSessionId id, byte[] receiverKey, List<InetSocketAddress> punchTo) {
    if (closed) {
      throw new ControlException(ControlErrorCode.UNAVAILABLE, "the UDP data server is closed");
    }
    if (receiverKey.length != SessionCrypto.KEY_LENGTH) {
      throw new ControlException(ControlErrorCode.MALFORMED, "the UDP transport needs the "
          + "receiver's " + SessionCrypto.KEY_LENGTH + "-byte X25519 key, got "
          + receiverKey.length + " bytes");
    }
    if (prepared.incrementAndGet() > settings.maxPrepared) {
      prepared.decrementAndGet();
      throw new ControlException(ControlErrorCode.RESOURCE_EXHAUSTED,
          "more than " + settings.maxPrepared + " UDP sessions prepared and not opened");
    }
    boolean done = false;
    try {
      X25519PrivateKeyParameters own = SessionCrypto.newPrivateKey();
      byte[] sourceKey = SessionCrypto.publicKey(own);
      byte[] keys;
      try {
        keys = SessionCrypto.deriveKeys(own, receiverKey, id.bytes(), receiverKey, sourceKey);
      } catch (IllegalArgumentException e) {
        throw new ControlException(ControlErrorCode.MALFORMED, e.getMessage(), e);
      }
      DatagramChannel session;
      try {
        session = transport.openChannel(new InetSocketAddress(address.getAddress(), 0));
      } catch (IOException e) {
        throw new ControlException(ControlErrorCode.RESOURCE_EXHAUSTED,
            "no UDP socket for session " + id + ": " + e.getMessage(), e);
      }
      IoLoop sessionLoop = transport.nextLoop();
      SourceConnection c = new SourceConnection(sessionLoop, session, id, settings,
          transport.drops(), this, provider, SessionCrypto.forSource(keys), punchTo,
          System.nanoTime());
      sessions.add(c);
      InetSocketAddress endpoint;
      try {
        endpoint = new InetSocketAddress(address.getAddress(),
            ((InetSocketAddress) session.getLocalAddress()).getPort());
      } catch (IOException e) {
        sessions.remove(c);
        closeQuietly(session);
        throw new ControlException(ControlErrorCode.INTERNAL, "no local address", e);
      }
      boolean queued = sessionLoop.execute(() -> {
        try {
          if (closed) {
            c.end(false, System.nanoTime());
          } else {
            c.register();
          }
        } catch (IOException e) {
          log.warn("registering {} failed", c, e);
          c.end(false, System.nanoTime());
        }
      });
      if (!queued) { // the transport closed meanwhile: its loops are gone
        sessions.remove(c);
        closeQuietly(session);
        throw new ControlException(ControlErrorCode.UNAVAILABLE, "the UDP data transport is closed");
      }
      done = true;
      return new DataOffer(endpoint, sourceKey);
    } finally {
      if (!done) {
        prepared.decrementAndGet();
      }
    }
  }

  private static void closeQuietly(DatagramChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  /** A prepared session was accepted or refused: it no longer counts as prepared. */
  void decided(SourceConnection c) {
    prepared.decrementAndGet();
  }

  /** A session ended. */
  void removed(SourceConnection c) {
    if (sessions.remove(c) && c.prepared()) {
      prepared.decrementAndGet();
    }
  }

  /** The sessions this server serves now. */
  Iterable<SourceConnection> sessions() {
    return sessions;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    transport.serverClosed(this);
    for (SourceConnection c : sessions) {
      c.loop.execute(() -> c.end(true, System.nanoTime())); // refused by a stopped loop, which ended it already
    }
    if (!loop.execute(() -> closeQuietly(channel))) {
      closeQuietly(channel);
    }
  }

  @Override
  public String toString() {
    return "udp data server " + address;
  }
}
