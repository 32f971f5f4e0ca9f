package io.loudp2p.transport.udp.internal;

import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session as the source sees it, on its own socket: answers each HELLO once the provider
 * judged the session, ACCEPT carrying the token of the address the HELLO came from; pins the
 * address that echoes its own token (see {@link AddressTokens}), and moves the pin to a new
 * address of the receiver's once that address echoes its token in turn (the receiver changed
 * networks: a path challenge, as QUIC's path validation); then sends the chunks the
 * receiver wants, once per want, in the order asked (see {@link SendQueue}), in fragments of
 * {@link Wire#MAX_FRAGMENT} bytes, as fast as congestion control and pacing allow, reading each
 * fragment from the provider only when it is about to be sent (or resent).
 */
final class SourceConnection extends Connection {
  private static final Logger log = LoggerFactory.getLogger(UdpLoggers.UDP);
  /** For failures packet by packet: a provider that fails once fails every read. */
  private static final ThrottledLog perChunk = new ThrottledLog(log);

  private enum State { PREPARED, ACCEPTED, REFUSED }

  private final UdpDataServer server;
  private final ChunkProvider provider;
  private State state = State.PREPARED;
  private @Nullable InetSocketAddress pinned;
  /** Where the packet being sent goes when it answers a HELLO; otherwise {@link #pinned}. */
  private @Nullable InetSocketAddress answerTo;
  /**
   * Where the session's first chunks go before it is pinned: the address of the first
   * authenticated HELLO, when the provider knows the receiver listens at that host (PROTOCOL.md
   * section 8, early requests); null before, after pinning, and when it does not.
   */
  private @Nullable InetSocketAddress early;
  /** The packet number of the HELLO datagram whose REQUEST frames count: one, once per session. */
  private long earlyPn = -1;
  /** Made on the first HELLO, kept for the path challenges of a receiver that moves. */
  private @Nullable AddressTokens tokens;
  /** No path challenge before this: at most one per {@link UdpSettings#CHALLENGE_INTERVAL_NS}. */
  private long nextChallengeNs = Long.MIN_VALUE;
  /** Times the pin moved to a new address of the receiver's, for tests and statistics. */
  long pathChanges;
  private final SendQueue queue;
  /**
   * Where the receiver said it will be heard from outside (hole punching, PROTOCOL.md section 8):
   * probed on {@link UdpSettings#PUNCH_SCHEDULE_MS} until its first HELLO authenticates.
   */
  private final List<InetSocketAddress> punchTo;
  private final long preparedNs;
  /** Probe rounds sent to {@link #punchTo}. */
  private int punchRounds;

  SourceConnection(IoLoop loop, DatagramChannel channel, DataSessionId id, UdpSettings settings,
      Drops drops, UdpDataServer server, ChunkProvider provider, SessionCrypto crypto,
      List<InetSocketAddress> punchTo, long nowNs) {
    super(loop, channel, id, settings, drops, true, nowNs);
    this.server = server;
    this.provider = provider;
    this.crypto = crypto;
    this.queue = new SendQueue(id, provider, settings.maxWanted, this::release);
    this.punchTo = List.copyOf(punchTo.subList(0,
        Math.min(punchTo.size(), UdpSettings.MAX_PUNCH_ADDRESSES)));
    this.preparedNs = nowNs;
  }

  boolean prepared() {
    return state == State.PREPARED;
  }

  @Override
  @Nullable InetSocketAddress receive(ByteBuffer buf) throws IOException {
    // Never connected: a receiver that changes networks speaks from a new address, which must
    // reach this socket to be challenged.
    return (InetSocketAddress) channel.receive(buf);
  }

  @Override
  boolean addressAllowed(InetSocketAddress from) {
    return true; // from elsewhere than the pinned address, only HELLO and ECHO count (trusts)
  }

  @Override
  boolean trusts(InetSocketAddress from) {
    return pinned != null && pinned.equals(from);
  }

  @Override
  boolean takesUntrusted(byte type, InetSocketAddress from) {
    return type == Wire.REQUEST && pinned == null && earlyPn >= 0 && datagramPn == earlyPn
        && from.equals(early);
  }

  @Override
  void write(ByteBuffer datagram) throws IOException {
    InetSocketAddress to = answerTo != null ? answerTo : pinned != null ? pinned : early;
    if (to != null) {
      channel.send(datagram, to);
    }
  }

  @Override
  boolean onFrame(byte type, ByteBuffer in, InetSocketAddress from, long nowNs) {
    switch (type) {
      case Wire.HELLO: {
        if (in.remaining() < 2) {
          return false;
        }
        int length = Short.toUnsignedInt(in.getShort());
        if (in.remaining() < length) {
          return false;
        }
        boolean first = state == State.PREPARED;
        if (first) {
          // Decided once, on the first HELLO that authenticates, whoever sent it: a copy sent
          // from elsewhere carries the receiver's own handshake, so the decision is the same.
          byte[] handshake = new byte[length];
          in.get(handshake);
          decide(handshake, from, nowNs);
        } else {
          in.position(in.position() + length);
        }
        answer(from, nowNs);
        if (first && state == State.ACCEPTED && earlyData(from)) {
          early = from; // the REQUEST frames after this HELLO count, and are answered there
          earlyPn = datagramPn;
        }
        return true;
      }
      case Wire.ECHO: {
        if (in.remaining() < Wire.TOKEN_LENGTH) {
          return false;
        }
        if (state != State.ACCEPTED || from.equals(pinned)) {
          in.position(in.position() + Wire.TOKEN_LENGTH);
          return true;
        }
        if (tokens().matches(from, in)) {
          if (pinned == null) {
            pin(from);
          } else {
            move(from, nowNs);
          }
        }
        return true;
      }
      case Wire.REQUEST: {
        if (in.remaining() < 1) {
          return false;
        }
        int n = Byte.toUnsignedInt(in.get());
        if (n > Wire.MAX_REQUEST_ENTRIES || in.remaining() < n * Wire.REQUEST_ENTRY) {
          return false;
        }
        for (int i = 0; i < n; i++) {
          byte kind = in.get();
          int chunk = in.getInt();
          int seq = in.getInt();
          // The index is unsigned: one past 2^31 - 1 reads as a negative int, and is answered
          // UNAVAILABLE (no track has that many chunks), not taken for a malformed frame.
          if (kind != Wire.WANT && kind != Wire.CANCEL) {
            return false;
          }
          if (state == State.ACCEPTED && !ended) {
            if (kind == Wire.WANT) {
              want(chunk, seq, nowNs);
            } else {
              queue.cancel(chunk, seq, nowNs);
            }
          }
        }
        return true;
      }
      case Wire.CLOSE: {
        if (in.remaining() < 1) {
          return false;
        }
        in.get();
        end(false, nowNs);
        return true;
      }
      default:
        return false;
    }
  }

  private AddressTokens tokens() {
    AddressTokens t = tokens;
    if (t == null) {
      t = new AddressTokens();
      tokens = t;
    }
    return t;
  }

  private void decide(byte[] handshake, InetSocketAddress from, long nowNs) {
    boolean accepted;
    try {
      accepted = provider.accept(id, handshake, from);
    } catch (RuntimeException e) {
      log.warn("chunk provider failed to judge session {} from {}", id, from, e);
      accepted = false;
    }
    state = accepted ? State.ACCEPTED : State.REFUSED;
    lastReceivedNs = nowNs; // the refused linger and the time left to pin count from here
    server.decided(this);
  }

  /**
   * Answers a HELLO from {@code to} at once: ACCEPT with the token of {@code to}, or REFUSED.
   * Before the session is pinned this is all the source sends, one datagram per HELLO and only to
   * where it came from: 58 bytes, or 42 for REFUSED, less than a HELLO datagram carrying a real
   * handshake (a signed StreamOpen envelope), so a copied HELLO reflects nothing larger.
   */
  private void answer(InetSocketAddress to, long nowNs) {
    // Never an ACK in front: one owed is owed to the pinned address, and the answer stays small.
    ByteBuffer plain = beginPacket(nowNs, 0);
    if (state == State.ACCEPTED) {
      plain.put(Wire.ACCEPT);
      tokens().write(to, plain);
    } else {
      plain.put(Wire.REFUSED);
    }
    answerTo = to;
    try {
      sendPacket(plain, null, false, nowNs);
    } finally {
      answerTo = null;
    }
  }

  /** Whether the provider knows the receiver listens at {@code from}'s host. */
  private boolean earlyData(InetSocketAddress from) {
    try {
      return provider.earlyData(id, from);
    } catch (RuntimeException e) {
      log.warn("chunk provider failed on early data for session {}", id, e);
      return false;
    }
  }

  /**
   * The receiver at {@code from} echoed its token: the session is its, and only its, from now.
   * What went early to another address is lost there, and resent here as loss recovery finds it.
   */
  private void pin(InetSocketAddress from) {
    pinned = from;
    early = null;
  }

  /**
   * An authenticated datagram came from {@code from}, not the pinned address, newer than any from
   * there: the receiver may have moved to another network. Challenges the new address with an
   * ACCEPT carrying its token, at most once per {@link UdpSettings#CHALLENGE_INTERVAL_NS}; the pin
   * moves only when that token comes back from there (see {@link #move}). A copy of the
   * receiver's datagram sent from elsewhere gets a 58-byte challenge it cannot open, and moves
   * nothing.
   */
  @Override
  void onUnvalidatedPath(InetSocketAddress from, long pn, long nowNs) {
    if (state != State.ACCEPTED || pinned == null || ended || pn <= largestAcceptedPn()
        || nowNs < nextChallengeNs) {
      return;
    }
    nextChallengeNs = nowNs + UdpSettings.CHALLENGE_INTERVAL_NS;
    answer(from, nowNs);
  }

  /**
   * The receiver echoed, from {@code to}, the token of {@code to}: it holds the session key and
   * hears what is sent there, so the session moves there. The round-trip time and congestion
   * state of the old path say nothing of the new one (RFC 9000, section 9.4): both start over.
   * What was in flight to the old address is lost, and resent as loss recovery finds it.
   */
  private void move(InetSocketAddress to, long nowNs) {
    log.debug("{} moves from {} to {}", this, pinned, to);
    pinned = to;
    pathChanges++;
    rtt.onPathChange();
    congestion.onPathChange(nowNs);
  }

  private void want(int chunk, int seq, long nowNs) {
    if (!queue.want(chunk, seq, nowNs)) {
      log.debug("{} ends: {} repeated wants in {} s", this, queue.repeats(nowNs),
          UdpSettings.REPEAT_WINDOW_SECONDS);
      end(Wire.CLOSE_ERROR, nowNs);
    }
  }

  @Override
  long sendFrames(long nowNs) {
    if (state == State.PREPARED) {
      return punch(nowNs);
    }
    if (state != State.ACCEPTED || (pinned == null && early == null)) {
      return Long.MAX_VALUE;
    }
    // UNAVAILABLE answers, resends and new fragments, in that order (see SendQueue), all paced
    // and counted in flight: a receiver that stops acknowledging stops getting anything but probes.
    while (!ended) {
      if (!loss.hasRoom()) {
        return Long.MAX_VALUE; // an ACK makes room and marks the session dirty
      }
      int next = queue.next(nowNs);
      if (next == SendQueue.AGAIN) {
        continue;
      }
      if (next == SendQueue.NOTHING
          || loss.bytesInFlight() + Wire.MAX_DATAGRAM > congestion.windowBytes()) {
        return Long.MAX_VALUE;
      }
      long at = pacer.nextSendNs(nowNs, Wire.MAX_DATAGRAM);
      if (at > nowNs) {
        return at;
      }
      if (next == SendQueue.UNAVAILABLE) {
        int chunk = queue.unavailableChunk();
        int seq = queue.unavailableSeq();
        queue.pollUnavailable();
        sendUnavailable(chunk, seq, nowNs);
      } else if (next == SendQueue.RESEND) {
        SentPacket again = queue.pollResend();
        if (sendData(again, again.dataChunk, again.dataSeq, again.dataOffset, again.dataLength,
            nowNs)) {
          dataRetransmitted++;
        }
      } else {
        WantList.Want w = queue.fresh();
        int n = Math.min(Wire.MAX_FRAGMENT, w.length - w.offset);
        SentPacket p = obtain();
        if (sendData(p, w.chunk, w.seq, w.offset, n, nowNs)) {
          queue.advanced(w, n, nowNs);
        }
      }
    }
    return Long.MAX_VALUE;
  }

  /**
   * Sends the probes due by {@code nowNs} to every address the receiver named, and returns when
   * the next round is due: each a sealed PING of 42 bytes, so that this host's NAT lets in what
   * comes from there, and so that a receiver whose address nobody needs to open learns the
   * address this NAT gives the socket towards it (it answers there with its HELLO). Nothing
   * when the receiver named none, and nothing more once its first HELLO authenticated.
   */
  private long punch(long nowNs) {
    long[] schedule = UdpSettings.PUNCH_SCHEDULE_MS;
    if (punchTo.isEmpty() || punchRounds >= schedule.length) {
      return Long.MAX_VALUE;
    }
    long dueNs = preparedNs + schedule[punchRounds] * 1_000_000L;
    if (nowNs < dueNs) {
      return dueNs;
    }
    for (InetSocketAddress to : punchTo) {
      ByteBuffer plain = beginPacket(nowNs, 0);
      plain.put(Wire.PING);
      answerTo = to;
      try {
        sendPacket(plain, null, false, nowNs);
      } finally {
        answerTo = null;
      }
    }
    punchRounds++;
    return punchRounds < schedule.length
        ? preparedNs + schedule[punchRounds] * 1_000_000L : Long.MAX_VALUE;
  }

  /** Sends an UNAVAILABLE frame; paced and counted in flight like DATA. */
  private void sendUnavailable(int chunk, int seq, long nowNs) {
    ByteBuffer plain = beginPacket(nowNs, Wire.MAX_PLAINTEXT - 5);
    plain.put(Wire.UNAVAILABLE).putInt(chunk);
    SentPacket p = obtain();
    p.unavailable = true;
    p.unavailableChunk = chunk;
    p.dataSeq = seq;
    sendPacket(plain, p, true, nowNs);
  }

  /** Sends one DATA frame read from the provider; false (and UNAVAILABLE queued) when it failed. */
  private boolean sendData(SentPacket p, int chunk, int seq, int offset, int length, long nowNs) {
    ByteBuffer plain = beginPacket(nowNs, Wire.MAX_PLAINTEXT - Wire.DATA_OVERHEAD - length);
    plain.put(Wire.DATA).putInt(chunk).putInt(offset).putShort((short) length);
    ByteBuffer dst = plain.slice(plain.position(), length);
    try {
      provider.readChunk(id, chunk, offset, dst);
      if (dst.hasRemaining()) {
        throw new IllegalStateException("the provider left " + dst.remaining() + " bytes unread");
      }
    } catch (RuntimeException e) {
      perChunk.warn("chunk provider failed to read chunk {} of session {}", chunk, id, e);
      release(p);
      queue.failed(chunk, seq);
      return false;
    }
    plain.position(plain.position() + length);
    p.reset();
    p.dataChunk = chunk;
    p.dataSeq = seq;
    p.dataOffset = offset;
    p.dataLength = length;
    sendPacket(plain, p, true, nowNs);
    return true;
  }

  @Override
  void onFramesAcked(SentPacket p) {
    queue.acked(p);
  }

  @Override
  boolean onFramesLost(SentPacket p) {
    return queue.lost(p);
  }

  @Override
  long idleTimeoutNs() {
    switch (state) {
      case PREPARED:
        return settings.preparedTimeoutNs;
      case REFUSED:
        return UdpSettings.REFUSED_LINGER_NS;
      default:
        // Accepted and not pinned yet: as long to echo a token as a prepared session has to open.
        return pinned == null ? settings.preparedTimeoutNs : settings.idleTimeoutNs;
    }
  }

  @Override
  boolean keepalive() {
    return state == State.ACCEPTED && pinned != null;
  }

  @Override
  void onIdleTimeout(long nowNs) {
    end(false, nowNs);
  }

  @Override
  void fail(long nowNs) {
    end(true, nowNs);
  }

  @Override
  void shutDown(long nowNs) {
    end(true, nowNs);
  }

  /** Ends the session once; tells the receiver when {@code tellReceiver}. */
  void end(boolean tellReceiver, long nowNs) {
    end(tellReceiver ? Wire.CLOSE_SOURCE : NO_CLOSE, nowNs);
  }

  /** No CLOSE frame: for {@link #end(byte, long)}. */
  private static final byte NO_CLOSE = -1;

  /** Ends the session once; tells the receiver with a CLOSE of {@code reason} unless NO_CLOSE. */
  private void end(byte reason, long nowNs) {
    if (ended) {
      return;
    }
    if (reason != NO_CLOSE && pinned != null && state == State.ACCEPTED) {
      sendClose(reason, nowNs);
    }
    queue.clearDue();
    release();
    server.removed(this);
    if (state == State.ACCEPTED) {
      try {
        provider.onSessionClosed(id);
      } catch (RuntimeException e) {
        log.warn("chunk provider failed on the end of session {}", id, e);
      }
    }
  }

  @Override
  int trackedState() {
    return super.trackedState() + queue.size();
  }

  @Override
  public String toString() {
    return "udp source session " + id;
  }
}
