package io.loudp2p.transport.udp.internal;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayDeque;
import java.util.HashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session as the source sees it, on its own socket: answers the receiver's HELLO once the
 * provider judged it, then sends the chunks the receiver wants, in the order asked, in fragments
 * of {@link Wire#MAX_FRAGMENT} bytes, as fast as congestion control and pacing allow, reading each
 * fragment from the provider only when it is about to be sent (or resent).
 */
final class SourceConnection extends Connection {
  private static final Logger log = LoggerFactory.getLogger(SourceConnection.class);

  /** Chunks a session's request ledger remembers at the least; more with a longer want list. */
  private static final int MIN_LEDGER_ENTRIES = 65_536;

  private enum State { PREPARED, ACCEPTED, REFUSED }

  /** One wanted chunk. */
  private static final class Want {
    final int chunk;
    int seq;
    int length = -2; // not asked yet
    int offset;
    boolean cancelled;

    Want(int chunk, int seq) {
      this.chunk = chunk;
      this.seq = seq;
    }
  }

  private final UdpDataServer server;
  private final ChunkProvider provider;
  private State state = State.PREPARED;
  private @Nullable InetSocketAddress pinned;
  /** Whether the socket is connected to {@link #pinned}: then the kernel filters and routes. */
  private boolean connected;
  private boolean answerDue;
  private final ArrayDeque<Want> order = new ArrayDeque<>();
  private final HashMap<Integer, Want> wanted = new HashMap<>();
  private final RequestLedger requests;
  private final ArrayDeque<SentPacket> resend = new ArrayDeque<>();
  private final ChunkQueue unavailableDue = new ChunkQueue(UdpSettings.MAX_UNAVAILABLE_QUEUED);
  private final int maxWanted;

  SourceConnection(IoLoop loop, DatagramChannel channel, DataSessionId id, UdpSettings settings,
      Drops drops, UdpDataServer server, ChunkProvider provider, SessionCrypto crypto, long nowNs) {
    super(loop, channel, id, settings, drops, true, nowNs);
    this.server = server;
    this.provider = provider;
    this.crypto = crypto;
    this.maxWanted = settings.maxWanted;
    int entries = Math.max(MIN_LEDGER_ENTRIES, Math.min(1 << 24, 4 * maxWanted));
    this.requests = new RequestLedger(Integer.highestOneBit(entries - 1) << 1);
  }

  boolean prepared() {
    return state == State.PREPARED;
  }

  @Override
  @Nullable InetSocketAddress receive(ByteBuffer buf) throws IOException {
    if (connected) {
      return channel.read(buf) > 0 ? pinned : null;
    }
    return (InetSocketAddress) channel.receive(buf);
  }

  @Override
  boolean addressAllowed(InetSocketAddress from) {
    return pinned == null || pinned.equals(from);
  }

  @Override
  void write(ByteBuffer datagram) throws IOException {
    if (connected) {
      channel.write(datagram);
      return;
    }
    InetSocketAddress to = pinned;
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
        byte[] handshake = new byte[length];
        in.get(handshake);
        if (pinned == null) {
          pinned = from;
          // Connected, the socket hears only the pinned address (the kernel drops the rest) and
          // sends without a route lookup per datagram.
          try {
            channel.connect(from);
            connected = true;
          } catch (IOException | RuntimeException e) {
            log.debug("{} stays unconnected", this, e);
          }
        }
        if (state == State.PREPARED) {
          boolean accepted;
          try {
            accepted = provider.accept(id, handshake, from);
          } catch (RuntimeException e) {
            log.warn("chunk provider failed to judge session {} from {}", id, from, e);
            accepted = false;
          }
          state = accepted ? State.ACCEPTED : State.REFUSED;
          server.decided(this);
        }
        answerDue = true;
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
              cancel(chunk, seq, nowNs);
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

  private boolean current(int chunk, int seq) {
    return requests.current(chunk, seq);
  }

  private void want(int chunk, int seq, long nowNs) {
    int outcome = requests.want(chunk, seq, nowNs);
    if (requests.redundant() > UdpSettings.MAX_REDUNDANT_WANTS) {
      log.debug("{} ends: {} wants of chunks queued, in flight or just sent", this,
          requests.redundant());
      end(Wire.CLOSE_ERROR, nowNs);
      return;
    }
    if (outcome != RequestLedger.SEND) {
      return; // stale, or coalesced with the send of this chunk already made or under way
    }
    if (chunk < 0) {
      requests.answering(chunk, seq);
      unavailableDue.add(chunk, seq); // at or past 2^31: never a chunk the provider has
      return;
    }
    if (wanted.size() >= maxWanted) {
      requests.answering(chunk, seq);
      unavailableDue.add(chunk, seq); // dropped unanswered when that queue is full too
      return;
    }
    Want w = new Want(chunk, seq);
    wanted.put(chunk, w);
    order.add(w);
  }

  private void cancel(int chunk, int seq, long nowNs) {
    if (!requests.cancel(chunk, seq, nowNs)) {
      return;
    }
    Want w = wanted.remove(chunk);
    if (w != null) {
      w.cancelled = true;
    }
    if (order.size() > 2 * maxWanted) {
      order.removeIf(x -> x.cancelled);
    }
  }

  @Override
  long sendFrames(long nowNs) {
    if (answerDue && pinned != null) {
      answerDue = false;
      ByteBuffer plain = beginPacket(nowNs, Wire.MAX_PLAINTEXT);
      plain.put(state == State.ACCEPTED ? Wire.ACCEPT : Wire.REFUSED);
      sendPacket(plain, null, false, nowNs);
    }
    if (state != State.ACCEPTED) {
      return Long.MAX_VALUE;
    }
    // UNAVAILABLE answers, resends and new fragments, in that order, all paced and counted in
    // flight: a receiver that stops acknowledging stops getting anything but probes.
    while (!ended) {
      if (!loss.hasRoom()) {
        return Long.MAX_VALUE; // an ACK makes room and marks the session dirty
      }
      boolean unavailable = false;
      SentPacket again = null;
      Want w = null;
      if (!unavailableDue.isEmpty()) {
        if (!current(unavailableDue.peekChunk(), unavailableDue.peekSeq())) {
          unavailableDue.poll(); // asked again or cancelled since
          continue;
        }
        unavailable = true;
      } else if ((again = resend.peek()) != null) {
        if (!current(again.dataChunk, again.dataSeq)) {
          release(resend.poll());
          continue;
        }
      } else {
        w = nextWant(nowNs);
        if (w == null) {
          if (unavailableDue.isEmpty()) {
            return Long.MAX_VALUE;
          }
          continue;
        }
      }
      if (loss.bytesInFlight() + Wire.MAX_DATAGRAM > congestion.windowBytes()) {
        return Long.MAX_VALUE;
      }
      long at = pacer.nextSendNs(nowNs, Wire.MAX_DATAGRAM);
      if (at > nowNs) {
        return at;
      }
      if (unavailable) {
        int chunk = unavailableDue.peekChunk();
        int seq = unavailableDue.peekSeq();
        unavailableDue.poll();
        sendUnavailable(chunk, seq, nowNs);
      } else if (again != null) {
        resend.poll();
        if (sendData(again, again.dataChunk, again.dataSeq, again.dataOffset, again.dataLength,
            nowNs)) {
          dataRetransmitted++;
        }
      } else {
        int n = Math.min(Wire.MAX_FRAGMENT, w.length - w.offset);
        SentPacket p = obtain();
        if (sendData(p, w.chunk, w.seq, w.offset, n, nowNs)) {
          w.offset += n;
          if (w.offset >= w.length) {
            finished(w);
            requests.sent(w.chunk, w.seq, w.length, nowNs);
          }
        } else {
          finished(w);
        }
      }
    }
    return Long.MAX_VALUE;
  }

  private void finished(Want w) {
    order.remove(w);
    if (wanted.get(w.chunk) == w) {
      wanted.remove(w.chunk);
    }
  }

  /**
   * The head of the want list with its length known, or null when the list is empty or its head
   * turned out unavailable (queued for its answer).
   */
  private @Nullable Want nextWant(long nowNs) {
    while (true) {
      Want w = order.peek();
      if (w == null) {
        return null;
      }
      if (w.cancelled) {
        order.poll();
        continue;
      }
      if (w.length == -2) {
        int length;
        try {
          length = provider.chunkLength(id, w.chunk);
        } catch (RuntimeException e) {
          log.warn("chunk provider failed on the length of chunk {}", w.chunk, e);
          length = -1;
        }
        w.length = length;
      }
      if (w.length < 0) {
        finished(w);
        requests.answering(w.chunk, w.seq);
        if (unavailableDue.add(w.chunk, w.seq)) {
          return null;
        }
        continue; // no room to answer: dropped unanswered
      }
      if (w.offset >= w.length) {
        finished(w);
        requests.sent(w.chunk, w.seq, w.length, nowNs);
        continue;
      }
      return w;
    }
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
      log.warn("chunk provider failed to read chunk {} of session {}", chunk, id, e);
      release(p);
      Want w = wanted.get(chunk);
      if (w != null) {
        finished(w);
      }
      requests.answering(chunk, seq);
      unavailableDue.add(chunk, seq);
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
    if (p.dataChunk >= 0) {
      requests.dataAcked(p.dataChunk, p.dataSeq, p.dataLength);
    }
    if (p.unavailable) {
      requests.answerAcked(p.unavailableChunk, p.dataSeq);
    }
  }

  @Override
  boolean onFramesLost(SentPacket p) {
    if (p.dataChunk >= 0 && current(p.dataChunk, p.dataSeq)) {
      resend.add(p);
      return true;
    }
    if (p.unavailable && current(p.unavailableChunk, p.dataSeq)) {
      unavailableDue.add(p.unavailableChunk, p.dataSeq);
    }
    return false;
  }

  @Override
  long idleTimeoutNs() {
    switch (state) {
      case PREPARED:
        return settings.preparedTimeoutNs;
      case REFUSED:
        return UdpSettings.REFUSED_LINGER_NS;
      default:
        return settings.idleTimeoutNs;
    }
  }

  @Override
  boolean keepalive() {
    return state == State.ACCEPTED;
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
    resend.clear();
    unavailableDue.clear();
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
    return super.trackedState() + order.size() + resend.size() + unavailableDue.size();
  }

  @Override
  public String toString() {
    return "udp source session " + id;
  }
}
