package io.loudp2p.transport.udp.internal;

import io.loudp2p.spi.DataSessionId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both ends of a session share: the socket, packet numbers, the AEAD, anti-replay, ACKs, loss
 * detection, RTT, congestion control, pacing, keepalive and the idle timeout. The source and
 * receiver subclasses add their frames.
 *
 * <p>Confined to its {@link IoLoop}'s thread.
 */
abstract class Connection implements IoLoop.Endpoint, LossDetector.Outcome {
  private static final Logger log = LoggerFactory.getLogger(UdpLoggers.UDP);

  /** Datagrams read per readiness event before other sessions get a turn. */
  private static final int READ_BUDGET = 64;

  /** How many times a CLOSE frame is sent, in separate datagrams, since it is not retransmitted. */
  static final int CLOSE_REPEATS = 3;

  final IoLoop loop;
  final DatagramChannel channel;
  final DataSessionId id;
  final byte[] idBytes;
  final UdpSettings settings;
  final Drops drops;
  private final byte sendDirection;
  private final byte receiveDirection;
  @Nullable SessionCrypto crypto;
  @Nullable SelectionKey key;

  private long nextPn;
  private final AntiReplayWindow replay = new AntiReplayWindow(UdpSettings.REPLAY_WINDOW);
  final AckTracker acks;
  final RttEstimator rtt;
  final LossDetector loss;
  final CongestionController congestion;
  final Pacer pacer;
  private final ArrayDeque<SentPacket> pool = new ArrayDeque<>();
  private final long[] ackRanges = new long[2 * 256];
  private final long[] ackDelay = new long[1];
  private boolean probeDue;
  private long inFlightAtAck;
  /** No keepalive before this: one found no room to be tracked, and waits a keepalive interval. */
  private long keepaliveRetryNs = Long.MIN_VALUE;

  long lastReceivedNs;
  /** The packet number of the datagram being read, while its frames are handled. */
  long datagramPn = -1;
  long lastSentNs;
  long timerNs;
  boolean dirty;
  int loopIndex = -1;
  boolean ended;

  /** Packets sent, declared lost, and DATA frames sent again, for tests and benchmarks. */
  long packetsSent;
  long packetsLost;
  long dataRetransmitted;

  Connection(IoLoop loop, DatagramChannel channel, DataSessionId id, UdpSettings settings,
      Drops drops, boolean source, long nowNs) {
    this.loop = loop;
    this.channel = channel;
    this.id = id;
    this.idBytes = id.bytes();
    this.settings = settings;
    this.drops = drops;
    this.sendDirection = source ? Wire.TO_RECEIVER : Wire.TO_SOURCE;
    this.receiveDirection = source ? Wire.TO_SOURCE : Wire.TO_RECEIVER;
    this.acks = new AckTracker(UdpSettings.MAX_ACK_DELAY_NS);
    SessionPolicies policies = settings.policies;
    this.rtt = policies.rttEstimator();
    this.loss = policies.lossDetector(UdpSettings.MAX_TRACKED_PACKETS, rtt,
        UdpSettings.MAX_ACK_DELAY_NS);
    this.congestion = policies.congestionController(Wire.MAX_DATAGRAM, settings.maxWindowBytes);
    this.pacer = policies.pacer(Wire.MAX_DATAGRAM, IoLoop.TICK_NS);
    this.lastReceivedNs = nowNs;
    this.lastSentNs = nowNs;
    this.timerNs = nowNs;
  }

  /** Registers the socket with the loop; on the loop thread. */
  void register() throws IOException {
    key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
    loop.add(this);
  }

  // ------------------------------------------------------------------ receiving

  /** Reads one datagram into {@code buf}; returns the sender, or null when none is waiting. */
  abstract @Nullable InetSocketAddress receive(ByteBuffer buf) throws IOException;

  /** Whether datagrams from {@code from} may be processed. */
  abstract boolean addressAllowed(InetSocketAddress from);

  /**
   * Whether {@code from} is the address the session validated. From any other (a source's only
   * state before it pinned the receiver), an authenticated datagram counts for its HELLO and ECHO
   * frames alone, and leaves the anti-replay window, the ACKs owed and the idle timer as they were
   * unless its ECHO pins the session: a copy of the receiver's datagram sent from elsewhere ahead
   * of the original then neither takes the session nor uses up the original's packet number.
   * Every address by default: a receiver's socket is connected to its source.
   */
  boolean trusts(InetSocketAddress from) {
    return true;
  }

  @Override
  public void onReadable(long nowNs) {
    ByteBuffer buf = loop.receiveBuffer;
    for (int i = 0; i < READ_BUDGET && !ended; i++) {
      buf.clear();
      InetSocketAddress from;
      try {
        from = receive(buf);
      } catch (IOException e) {
        // An ICMP error on a connected socket: the path failed for one datagram; keep reading.
        log.debug("receive on {} failed", this, e);
        continue;
      }
      if (from == null) {
        break;
      }
      buf.flip();
      onDatagram(buf, from, nowNs);
    }
    if (!ended) {
      loop.markDirty(this);
    }
  }

  final void onDatagram(ByteBuffer dg, InetSocketAddress from, long nowNs) {
    int length = dg.remaining();
    if (length < Wire.MIN_DATAGRAM || length > Wire.MAX_DATAGRAM) {
      drops.count(Drops.Reason.WRONG_LENGTH);
      return;
    }
    if (dg.get(0) != receiveDirection) {
      drops.count(Drops.Reason.BAD_HEADER);
      return;
    }
    for (int i = 0; i < idBytes.length; i++) {
      if (dg.get(Wire.SESSION_ID_OFFSET + i) != idBytes[i]) {
        drops.count(Drops.Reason.UNKNOWN_SESSION);
        return;
      }
    }
    if (!addressAllowed(from)) {
      drops.count(Drops.Reason.WRONG_ADDRESS);
      return;
    }
    long pn = dg.getLong(Wire.PACKET_NUMBER_OFFSET);
    if (!replay.isFresh(pn)) {
      drops.count(Drops.Reason.REPLAYED);
      return;
    }
    SessionCrypto c = crypto;
    ByteBuffer plain = loop.openBuffer;
    if (c == null || !c.open(pn, dg, plain)) {
      drops.count(Drops.Reason.FAILED_TO_OPEN);
      return;
    }
    datagramPn = pn;
    onAuthenticated(from, nowNs);
    boolean trusted = trusts(from);
    boolean hello = false;
    boolean ackEliciting = false;
    inFlightAtAck = loss.bytesInFlight();
    while (plain.hasRemaining() && !ended) {
      byte type = plain.get();
      if (!trusted && type != Wire.HELLO && type != Wire.ECHO && !takesUntrusted(type, from)) {
        break;
      }
      hello |= type == Wire.HELLO;
      boolean ok;
      if (type == Wire.ACK) {
        int n = Wire.readAck(plain, ackRanges, ackDelay);
        ok = n > 0;
        if (ok) {
          long samples = rtt.samples();
          loss.onAck(ackRanges, n, ackDelay[0] * 1000, nowNs, this);
          if (rtt.samples() != samples) {
            congestion.onRttSample(rtt.latestNs(), rtt.baseDelayNs(), nowNs);
          }
          onAckFrame();
        }
      } else if (type == Wire.PING) {
        ackEliciting = true;
        ok = true;
      } else {
        ackEliciting = true;
        ok = onFrame(type, plain, from, nowNs);
      }
      if (!ok) {
        drops.count(Drops.Reason.MALFORMED_FRAME);
        break;
      }
      trusted = trusted || trusts(from); // an ECHO may have pinned the session
    }
    if (!trusted) {
      if (!hello) {
        drops.count(Drops.Reason.UNVALIDATED_ADDRESS); // a HELLO was answered; nothing else counts
        onUnvalidatedPath(from, pn, nowNs);
      }
      return;
    }
    replay.accept(pn);
    lastReceivedNs = nowNs;
    if (!ended) {
      acks.onReceived(pn, ackEliciting, nowNs);
    }
  }

  /** A datagram from {@code from} authenticated; called before its frames. Nothing by default. */
  void onAuthenticated(InetSocketAddress from, long nowNs) {}

  /**
   * An authenticated datagram with packet number {@code pn} came from {@code from}, an address
   * the session does not trust, and held no HELLO: nothing of it was taken. Nothing by default.
   */
  void onUnvalidatedPath(InetSocketAddress from, long pn, long nowNs) {}

  /**
   * Whether a frame of {@code type} in the datagram being read (packet number {@link
   * #datagramPn}) counts though it came from an address the session does not trust: a source's
   * early requests. None by default.
   */
  boolean takesUntrusted(byte type, InetSocketAddress from) {
    return false;
  }

  /** An authenticated ACK frame arrived. */
  void onAckFrame() {}

  /**
   * Writes the frames that go first in every packet now, and returns their length; none by
   * default.
   */
  int writeLeadingFrames(ByteBuffer plain, long nowNs) {
    return 0;
  }

  /** Handles one frame other than ACK and PING; false when it is malformed. */
  abstract boolean onFrame(byte type, ByteBuffer in, InetSocketAddress from, long nowNs);

  // ------------------------------------------------------------------ loss outcomes

  @Override
  public final void onAcked(SentPacket p, long nowNs) {
    if (p.inFlight) {
      boolean windowLimited = inFlightAtAck + Wire.MAX_DATAGRAM >= congestion.windowBytes() / 2;
      congestion.onAcked(p.sentNs, p.bytes, windowLimited, nowNs);
    }
    onFramesAcked(p);
    release(p);
  }

  @Override
  public final void onLost(SentPacket p, long nowNs) {
    packetsLost++;
    if (p.inFlight) {
      congestion.onLost(p.sentNs, p.bytes, nowNs);
    }
    if (!onFramesLost(p)) {
      release(p);
    }
  }

  /** The frames of {@code p} were delivered. */
  void onFramesAcked(SentPacket p) {}

  /** The frames of {@code p} were lost; true when the subclass keeps {@code p} to resend. */
  abstract boolean onFramesLost(SentPacket p);

  SentPacket obtain() {
    SentPacket p = pool.poll();
    if (p == null) {
      p = new SentPacket();
    }
    p.reset();
    return p;
  }

  void release(SentPacket p) {
    // Bounded by the packets a session tracks at once, so a full window reuses its records.
    if (pool.size() < UdpSettings.MAX_TRACKED_PACKETS) {
      pool.add(p);
    }
  }

  // ------------------------------------------------------------------ sending

  /**
   * A cleared plaintext buffer for the next packet, starting with an ACK frame when one is owed
   * and it takes at most {@code ackRoom} bytes.
   */
  ByteBuffer beginPacket(long nowNs, int ackRoom) {
    ByteBuffer plain = loop.plainBuffer;
    plain.clear().limit(Wire.MAX_PLAINTEXT);
    int lead = writeLeadingFrames(plain, nowNs);
    if (acks.deadlineNs() != Long.MAX_VALUE && acks.frameLength() <= ackRoom - lead) {
      acks.writeAck(plain, nowNs);
    }
    return plain;
  }

  /**
   * Seals and sends the packet in {@code plain}.
   *
   * @param record what to track for loss detection, or null for a packet that is not tracked
   * @param congestionControlled whether the packet counts in flight
   */
  void sendPacket(ByteBuffer plain, @Nullable SentPacket record, boolean congestionControlled,
      long nowNs) {
    plain.flip();
    long pn = nextPn++;
    ByteBuffer dg = loop.sendBuffer;
    dg.clear();
    Wire.writeHeader(dg, sendDirection, idBytes, pn);
    SessionCrypto c = crypto;
    if (c == null) {
      return;
    }
    c.seal(pn, plain, dg);
    int size = dg.remaining();
    try {
      write(dg);
    } catch (IOException e) {
      log.debug("send on {} failed", this, e);
    }
    packetsSent++;
    lastSentNs = nowNs;
    if (congestionControlled) {
      pacer.onSent(nowNs, size);
    }
    if (record != null) {
      record.pn = pn;
      record.sentNs = nowNs;
      record.bytes = size;
      record.inFlight = congestionControlled;
      loss.onSent(record);
    }
  }

  /** Sends a flipped datagram. */
  abstract void write(ByteBuffer datagram) throws IOException;

  /**
   * Sends a packet holding only a PING (and an ACK if owed); tracked, so it elicits an ACK.
   *
   * @return false when there was no room to track it, and nothing was sent
   */
  boolean sendPing(long nowNs) {
    if (!loss.hasRoom()) {
      return false;
    }
    ByteBuffer plain = beginPacket(nowNs, Wire.MAX_PLAINTEXT - 2);
    plain.put(Wire.PING);
    sendPacket(plain, obtain(), false, nowNs);
    return true;
  }

  /** When the next keepalive is due. */
  private long keepaliveDueNs() {
    return Math.max(lastSentNs + settings.keepaliveNs, keepaliveRetryNs);
  }

  /** Sends {@link #CLOSE_REPEATS} CLOSE frames. */
  void sendClose(byte reason, long nowNs) {
    for (int i = 0; i < CLOSE_REPEATS; i++) {
      ByteBuffer plain = beginPacket(nowNs, Wire.MAX_PLAINTEXT - 2);
      plain.put(Wire.CLOSE).put(reason);
      sendPacket(plain, null, false, nowNs);
    }
  }

  // ------------------------------------------------------------------ the duty cycle

  /** Runs timers and sends what may be sent; sets {@link #timerNs}. */
  final void service(long nowNs) {
    if (ended) {
      return;
    }
    if (nowNs >= loss.timeoutNs() && loss.onTimeout(nowNs, this)) {
      probeDue = true;
    }
    if (ended) {
      return;
    }
    if (nowNs - lastReceivedNs >= idleTimeoutNs()) {
      onIdleTimeout(nowNs);
      return;
    }
    pacer.setRate(congestion.windowBytes(), rtt.smoothedNs(), congestion.inSlowStart());
    long next = sendFrames(nowNs);
    if (ended) {
      return;
    }
    if (probeDue) {
      probeDue = false;
      sendPing(nowNs);
    }
    if (acks.ackDue(nowNs)) {
      ByteBuffer plain = beginPacket(nowNs, Wire.MAX_PLAINTEXT - 2);
      sendPacket(plain, null, false, nowNs);
    }
    if (keepalive() && nowNs >= keepaliveDueNs() && !sendPing(nowNs)) {
      // No room to track it: try again an interval later, not on every tick until there is.
      keepaliveRetryNs = nowNs + settings.keepaliveNs;
    }
    next = Math.min(next, loss.timeoutNs());
    next = Math.min(next, acks.deadlineNs());
    next = Math.min(next, lastReceivedNs + idleTimeoutNs());
    if (keepalive()) {
      next = Math.min(next, keepaliveDueNs());
    }
    timerNs = Math.max(next, nowNs);
    loop.wakeBy(timerNs);
  }

  /** Sends the subclass's frames; returns when it next needs servicing. */
  abstract long sendFrames(long nowNs);

  /** How long without an authenticated datagram before the session counts as lost. */
  abstract long idleTimeoutNs();

  /** Whether to send keepalive pings now. */
  abstract boolean keepalive();

  abstract void onIdleTimeout(long nowNs);

  /** Ends the session after an internal error. */
  abstract void fail(long nowNs);

  /** Ends the session because its loop stopped: as a local close, on the loop thread. */
  abstract void shutDown(long nowNs);

  /** Deregisters and closes the socket. */
  void release() {
    ended = true;
    loss.clear();
    loop.remove(this);
    SelectionKey k = key;
    if (k != null) {
      k.cancel();
    }
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing {}", this, e);
    }
  }

  /** The largest packet number accepted from the peer, or -1. */
  long largestAcceptedPn() {
    return replay.largest();
  }

  /** Packets tracked, for bounds checks. */
  int trackedState() {
    return loss.trackedPackets();
  }
}
