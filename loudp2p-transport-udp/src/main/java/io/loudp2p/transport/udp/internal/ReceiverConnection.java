package io.loudp2p.transport.udp.internal;

import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session as the receiver sees it, on its own socket: sends HELLO until answered, then its
 * want list as REQUEST frames that are resent until acknowledged, and hands arriving fragments to
 * the listener on the loop thread.
 *
 * <p>The socket is not connected, so that when this host's address changes (a phone leaving
 * Wi-Fi for 3G) the kernel sends from the new one and the session carries on: the source
 * challenges the new address, and the echo sent from there moves the session (see {@link
 * SourceConnection}). Datagrams from anywhere but the source are dropped.
 */
final class ReceiverConnection extends Connection implements DataSession {
  private static final Logger log = LoggerFactory.getLogger(UdpLoggers.UDP);
  /** For a listener that fails on every fragment or chunk. */
  private static final ThrottledLog perFragment = new ThrottledLog(log);

  /** One want or cancel not yet acknowledged by the source. */
  private static final class Op {
    final int chunk;
    final int seq;
    final boolean want;
    boolean queued;

    Op(int chunk, int seq, boolean want) {
      this.chunk = chunk;
      this.seq = seq;
      this.want = want;
    }
  }

  private final UdpDataTransport transport;
  /** The source's address: fixed, but for a punched session until the source was first heard. */
  private volatile InetSocketAddress remote;
  /**
   * Whether the source may still be heard from an address other than {@link #remote}: a punched
   * session before its first authenticated datagram (the source's NAT chose its port).
   */
  private boolean sourceUnheard;
  private final Listener listener;
  private final byte[] handshake;
  /** The REQUEST frame that follows the HELLO frame in every HELLO datagram; empty for none. */
  private final byte[] earlyRequest;
  final CompletableFuture<DataSession> opened = new CompletableFuture<>();
  private boolean accepted;
  private final long openStartNs;
  private long nextHelloNs;
  private long helloIntervalNs;
  /** The address token of the latest ACCEPT, echoed until the source shows it pinned us. */
  private final byte[] token = new byte[Wire.TOKEN_LENGTH];
  /**
   * Whether the source pinned this socket: it sent an ACK, which it sends nowhere else (DATA may
   * come before, for early requests).
   */
  private boolean validated;
  private long acceptedNs;
  private long nextEchoNs;
  private long echoIntervalNs = UdpSettings.HELLO_INTERVAL_NS;
  /** The token of a path challenge (an ACCEPT once pinned): echoed at once, then in each packet. */
  private final byte[] challenge = new byte[Wire.TOKEN_LENGTH];
  private boolean challengeDue;
  private long challengeUntilNs = Long.MIN_VALUE;
  private final BitSet cancelled = new BitSet();
  private int requestSeq;
  private final HashMap<Integer, Op> pending = new HashMap<>();
  private final ArrayDeque<Op> unsent = new ArrayDeque<>();
  private volatile boolean closing;

  ReceiverConnection(IoLoop loop, DatagramChannel channel, DataSessionId id, UdpSettings settings,
      Drops drops, UdpDataTransport transport, InetSocketAddress remote, byte[] handshake,
      int[] firstWants, SessionCrypto crypto, Listener listener, long firstHelloIntervalNs,
      boolean punched, long nowNs) {
    super(loop, channel, id, settings, drops, false, nowNs);
    this.transport = transport;
    this.remote = remote;
    this.handshake = handshake.clone();
    this.earlyRequest = earlyRequest(firstWants, Wire.MAX_PLAINTEXT - Wire.HELLO_OVERHEAD
        - handshake.length);
    this.crypto = crypto;
    this.listener = listener;
    this.openStartNs = nowNs;
    this.nextHelloNs = nowNs;
    this.helloIntervalNs = firstHelloIntervalNs;
    this.sourceUnheard = punched;
  }

  /**
   * A REQUEST frame wanting {@code chunks}, as many as fit in {@code room} bytes and one frame,
   * with the first request sequence numbers: the same bytes in every HELLO datagram, so that the
   * source takes them once whichever copy it reads. Empty when none fits.
   */
  private byte[] earlyRequest(int[] chunks, int room) {
    int n = Math.min(Math.min(chunks.length, Wire.MAX_REQUEST_ENTRIES),
        (room - Wire.REQUEST_OVERHEAD) / Wire.REQUEST_ENTRY);
    if (n <= 0) {
      return new byte[0];
    }
    ByteBuffer b = ByteBuffer.allocate(Wire.REQUEST_OVERHEAD + n * Wire.REQUEST_ENTRY);
    b.put(Wire.REQUEST).put((byte) n);
    for (int i = 0; i < n; i++) {
      if (chunks[i] < 0) {
        throw new IllegalArgumentException("chunk index must not be negative: " + chunks[i]);
      }
      b.put(Wire.WANT).putInt(chunks[i]).putInt(++requestSeq);
    }
    return b.array();
  }

  @Override
  @Nullable InetSocketAddress receive(ByteBuffer buf) throws IOException {
    return (InetSocketAddress) channel.receive(buf);
  }

  @Override
  boolean addressAllowed(InetSocketAddress from) {
    return sourceUnheard || remote.equals(from);
  }

  /**
   * The first authenticated datagram of a punched session fixes the source's address: the probe
   * or ACCEPT came through the source's NAT from the port it chose, which the HELLOs go to from
   * now (one at once, when the session is not open yet).
   */
  @Override
  void onAuthenticated(InetSocketAddress from, long nowNs) {
    if (!sourceUnheard) {
      return;
    }
    sourceUnheard = false;
    if (!from.equals(remote)) {
      log.debug("{}: the source is heard from {}", this, from);
      remote = from;
      if (!accepted) {
        nextHelloNs = nowNs;
      }
    }
  }

  @Override
  void onAckFrame() {
    validated |= accepted;
  }

  /**
   * Until the source pinned us, every packet starts with an ECHO of the token; for a while after a
   * path challenge, with an ECHO of the challenge's token. First, so that a source that does not
   * trust the address yet reads it.
   */
  @Override
  int writeLeadingFrames(ByteBuffer plain, long nowNs) {
    if (!accepted) {
      return 0;
    }
    if (!validated) {
      plain.put(Wire.ECHO).put(token);
      return Wire.TOKEN_FRAME;
    }
    if (nowNs < challengeUntilNs) {
      plain.put(Wire.ECHO).put(challenge);
      return Wire.TOKEN_FRAME;
    }
    return 0;
  }

  @Override
  void write(ByteBuffer datagram) throws IOException {
    channel.send(datagram, remote);
  }

  @Override
  boolean onFrame(byte type, ByteBuffer in, InetSocketAddress from, long nowNs) {
    switch (type) {
      case Wire.ACCEPT:
        if (in.remaining() < Wire.TOKEN_LENGTH) {
          return false;
        }
        if (validated) {
          // A path challenge: the source heard us at an address it has not pinned (ours changed)
          // and asks us to prove from there that we hold the key. Echoed at once and for an
          // open timeout after, each time in the packet's lead.
          in.get(challenge);
          challengeDue = true;
          challengeUntilNs = nowNs + settings.openTimeoutNs;
          return true;
        }
        in.get(token); // the latest: the one of the address the source hears us at now
        nextEchoNs = nowNs; // echoed at once
        if (!accepted) {
          accepted = true;
          acceptedNs = nowNs;
          // Open already: requests may follow at once, each packet led by the ECHO that pins us.
          transport.complete(opened, this);
        }
        return true;
      case Wire.REFUSED:
        if (!accepted) {
          failOpen(new ControlException(ControlErrorCode.UNAUTHENTICATED,
              "source " + remote + " refused session " + id + " (unknown session or bad handshake)"));
        }
        return true;
      case Wire.DATA: {
        if (in.remaining() < 10) {
          return false;
        }
        int chunk = in.getInt();
        int offset = in.getInt();
        int length = Short.toUnsignedInt(in.getShort());
        if (length > Wire.MAX_FRAGMENT || in.remaining() < length || chunk < 0 || offset < 0) {
          return false;
        }
        ByteBuffer data = in.slice(in.position(), length);
        in.position(in.position() + length);
        if (accepted && !cancelled.get(chunk) && !closing) {
          try {
            listener.onFragment(chunk, offset, data);
          } catch (RuntimeException e) {
            perFragment.warn("listener of {} failed on a fragment", this, e);
          }
        }
        return true;
      }
      case Wire.UNAVAILABLE: {
        if (in.remaining() < 4) {
          return false;
        }
        int chunk = in.getInt();
        if (accepted && !closing && chunk >= 0) {
          try {
            listener.onUnavailable(chunk);
          } catch (RuntimeException e) {
            perFragment.warn("listener of {} failed on an unavailable chunk", this, e);
          }
        }
        return true;
      }
      case Wire.CLOSE: {
        if (in.remaining() < 1) {
          return false;
        }
        byte reason = in.get();
        if (!accepted) {
          failOpen(new ControlException(ControlErrorCode.UNAVAILABLE,
              "source " + remote + " closed session " + id + " before accepting it"));
        } else {
          finish(reason == Wire.CLOSE_SOURCE ? CloseReason.SOURCE_CLOSED
              : CloseReason.CONNECTION_LOST, false, nowNs);
        }
        return true;
      }
      default:
        return false;
    }
  }

  @Override
  long sendFrames(long nowNs) {
    if (!accepted) {
      if (nowNs - openStartNs >= settings.openTimeoutNs) {
        failOpen(new ControlException(ControlErrorCode.UNAVAILABLE, "source " + remote
            + " did not answer session " + id + " over UDP within "
            + settings.openTimeoutNs / 1_000_000 + " ms"));
        return Long.MAX_VALUE;
      }
      if (nowNs >= nextHelloNs) {
        ByteBuffer plain = beginPacket(nowNs, 0);
        plain.put(Wire.HELLO).putShort((short) handshake.length).put(handshake).put(earlyRequest);
        sendPacket(plain, null, false, nowNs);
        nextHelloNs = nowNs + helloIntervalNs;
        helloIntervalNs = Math.min(2 * helloIntervalNs, UdpSettings.MAX_HELLO_INTERVAL_NS);
      }
      return Math.min(nextHelloNs, openStartNs + settings.openTimeoutNs);
    }
    long next = Long.MAX_VALUE;
    if (!validated) {
      if (nowNs - acceptedNs >= settings.openTimeoutNs) {
        log.debug("{}: the source accepted but never took the echo of its token", this);
        finish(CloseReason.CONNECTION_LOST, false, nowNs);
        return Long.MAX_VALUE;
      }
      if (nowNs >= nextEchoNs) {
        sendPacket(beginPacket(nowNs, Wire.MAX_PLAINTEXT - Wire.TOKEN_FRAME), null, false, nowNs);
        nextEchoNs = nowNs + echoIntervalNs;
        echoIntervalNs = Math.min(2 * echoIntervalNs, UdpSettings.MAX_HELLO_INTERVAL_NS);
      }
      next = Math.min(nextEchoNs, acceptedNs + settings.openTimeoutNs);
    } else if (challengeDue) {
      challengeDue = false;
      sendPacket(beginPacket(nowNs, Wire.MAX_PLAINTEXT - Wire.TOKEN_FRAME), null, false, nowNs);
    }
    while (!unsent.isEmpty() && loss.hasRoom()) {
      ByteBuffer plain = beginPacket(nowNs, 64);
      plain.put(Wire.REQUEST);
      int countAt = plain.position();
      plain.put((byte) 0);
      SentPacket p = obtain();
      p.requestRoom();
      while (p.requestCount < SentPacket.MAX_REQUEST_ENTRIES && !unsent.isEmpty()) {
        Op op = unsent.poll();
        op.queued = false;
        if (pending.get(op.chunk) != op) {
          continue; // superseded by a later want or cancel
        }
        plain.put(op.want ? Wire.WANT : Wire.CANCEL).putInt(op.chunk).putInt(op.seq);
        p.requestChunks[p.requestCount] = op.chunk;
        p.requestSeqs[p.requestCount] = op.seq;
        p.requestWants[p.requestCount] = op.want;
        p.requestCount++;
      }
      if (p.requestCount == 0) {
        release(p);
        break;
      }
      plain.put(countAt, (byte) p.requestCount);
      sendPacket(plain, p, false, nowNs);
    }
    return next;
  }

  @Override
  void onFramesAcked(SentPacket p) {
    for (int i = 0; i < p.requestCount; i++) {
      Op op = pending.get(p.requestChunks[i]);
      if (op != null && op.seq == p.requestSeqs[i]) {
        pending.remove(op.chunk);
      }
    }
  }

  @Override
  boolean onFramesLost(SentPacket p) {
    for (int i = 0; i < p.requestCount; i++) {
      Op op = pending.get(p.requestChunks[i]);
      if (op != null && op.seq == p.requestSeqs[i] && !op.queued) {
        op.queued = true;
        unsent.add(op);
      }
    }
    return false;
  }

  @Override
  long idleTimeoutNs() {
    return accepted ? settings.idleTimeoutNs : Long.MAX_VALUE / 4;
  }

  @Override
  boolean keepalive() {
    return accepted;
  }

  @Override
  void onIdleTimeout(long nowNs) {
    finish(CloseReason.CONNECTION_LOST, false, nowNs);
  }

  @Override
  void fail(long nowNs) {
    if (accepted) {
      finish(CloseReason.CONNECTION_LOST, true, nowNs);
    } else {
      failOpen(new ControlException(ControlErrorCode.INTERNAL, "session " + id + " failed"));
    }
  }

  @Override
  void shutDown(long nowNs) {
    closing = true;
    if (accepted) {
      finish(CloseReason.LOCAL_CLOSE, true, nowNs);
    } else {
      failOpen(new ControlException(ControlErrorCode.UNAVAILABLE,
          "the UDP data transport is closed"));
    }
  }

  /** Fails a session that was never opened: no listener callback. */
  void failOpen(ControlException why) {
    if (ended) {
      return;
    }
    release();
    transport.removed(this);
    transport.fail(opened, why);
  }

  private void finish(CloseReason reason, boolean tellSource, long nowNs) {
    if (ended) {
      return;
    }
    if (tellSource) {
      sendClose(Wire.CLOSE_RECEIVER, nowNs);
    }
    release();
    transport.removed(this);
    try {
      listener.onClosed(reason);
    } catch (RuntimeException e) {
      log.warn("listener of {} failed on close", this, e);
    }
  }

  // ------------------------------------------------------------------ DataSession

  @Override
  public DataSessionId id() {
    return id;
  }

  @Override
  public InetSocketAddress remote() {
    return remote;
  }

  @Override
  public void request(int chunkIndex) {
    if (chunkIndex < 0) {
      throw new IllegalArgumentException("chunk index must not be negative: " + chunkIndex);
    }
    if (closing) {
      return;
    }
    loop.execute(() -> enqueue(chunkIndex, true));
  }

  @Override
  public void cancel(int chunkIndex) {
    if (chunkIndex < 0 || closing) {
      return;
    }
    loop.execute(() -> enqueue(chunkIndex, false));
  }

  private void enqueue(int chunk, boolean want) {
    if (ended) {
      return;
    }
    if (want) {
      cancelled.clear(chunk);
    } else {
      cancelled.set(chunk);
    }
    Op op = new Op(chunk, ++requestSeq, want);
    pending.put(chunk, op);
    op.queued = true;
    unsent.add(op);
    loop.markDirty(this);
  }

  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    // Later even on the loop thread: a close from inside a callback must not call onClosed in it.
    loop.executeLater(() -> {
      if (accepted) {
        finish(CloseReason.LOCAL_CLOSE, true, System.nanoTime());
      } else {
        failOpen(new ControlException(ControlErrorCode.UNAVAILABLE, "the session was closed"));
      }
    });
  }

  @Override
  int trackedState() {
    return super.trackedState() + pending.size() + unsent.size();
  }

  @Override
  public String toString() {
    return "udp data session " + id + " with " + remote;
  }
}
