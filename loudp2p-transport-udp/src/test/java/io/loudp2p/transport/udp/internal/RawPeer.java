package io.loudp2p.transport.udp.internal;

import io.loudp2p.spi.DataSessionId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;

/**
 * One end of a UDP session written by hand, for tests that play a hostile or broken peer: seals
 * the frames it is given with the session's keys and opens what arrives, and does nothing else
 * (no ACKs, no retransmission) unless told to.
 */
final class RawPeer implements AutoCloseable {
  final DatagramChannel channel;
  final X25519PrivateKeyParameters key = SessionCrypto.newPrivateKey();
  final byte[] publicKey = SessionCrypto.publicKey(key);
  private final Selector selector;
  private final ByteBuffer in = ByteBuffer.allocate(65536);
  private final ByteBuffer plain = ByteBuffer.allocate(65536);
  private final ByteBuffer out = ByteBuffer.allocate(65536);
  private final ByteBuffer frames = ByteBuffer.allocate(65536);
  private DataSessionId id;
  private SessionCrypto crypto;
  private byte direction;
  private byte receiveDirection;
  private SocketAddress remote;
  long nextPn;
  /** The packet number of the last datagram {@link #receive} opened. */
  long lastPn = -1;
  long largestReceivedPn = -1;
  /** The largest packet number of ours the other side acknowledged in a leading ACK frame. */
  long largestAckedPn = -1;
  /** Datagrams received that did not open. */
  int unopened;

  RawPeer() throws IOException {
    channel = DatagramChannel.open();
    channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    channel.configureBlocking(false);
    selector = Selector.open();
    channel.register(selector, SelectionKey.OP_READ);
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) channel.getLocalAddress();
  }

  /** Plays the receiver of session {@code id} with the source's offer. */
  void asReceiver(DataSessionId id, byte[] sourceKey, InetSocketAddress source) {
    byte[] keys = SessionCrypto.deriveKeys(key, sourceKey, id.bytes(), publicKey, sourceKey);
    this.id = id;
    this.crypto = SessionCrypto.forReceiver(keys);
    this.direction = Wire.TO_SOURCE;
    this.receiveDirection = Wire.TO_RECEIVER;
    this.remote = source;
  }

  /** Plays the source of session {@code id} for the receiver's key, answering at {@code receiver}. */
  void asSource(DataSessionId id, byte[] receiverKey, SocketAddress receiver) {
    byte[] keys = SessionCrypto.deriveKeys(key, receiverKey, id.bytes(), receiverKey, publicKey);
    this.id = id;
    this.crypto = SessionCrypto.forSource(keys);
    this.direction = Wire.TO_RECEIVER;
    this.receiveDirection = Wire.TO_SOURCE;
    this.remote = receiver;
  }

  void remote(SocketAddress to) {
    this.remote = to;
  }

  /** Seals and sends one datagram of the frames {@code body} writes. */
  void send(Consumer<ByteBuffer> body) throws IOException {
    channel.send(seal(body), remote);
  }

  /** A datagram of the frames {@code body} writes, sealed with the next packet number. */
  private ByteBuffer seal(Consumer<ByteBuffer> body) {
    frames.clear();
    body.accept(frames);
    frames.flip();
    long pn = nextPn++;
    out.clear();
    Wire.writeHeader(out, direction, id.bytes(), pn);
    crypto.seal(pn, frames, out);
    return out;
  }

  /**
   * Seals one datagram of the frames {@code body} writes, with the next packet number, and sends
   * it from {@code via} and then from this peer's own socket: a copy sent ahead of the original
   * from another address, as an observer on the path can.
   */
  void sendCopyFirst(DatagramChannel via, Consumer<ByteBuffer> body) throws IOException {
    ByteBuffer datagram = seal(body);
    via.send(datagram.duplicate(), remote);
    channel.send(datagram, remote);
  }

  /**
   * The address token of the ACCEPT in {@code frames} (a received datagram's, flipped), or null
   * when it holds none.
   */
  static byte[] acceptToken(ByteBuffer frames) {
    ByteBuffer b = frames.duplicate();
    while (b.hasRemaining()) {
      byte t = b.get();
      switch (t) {
        case Wire.ACK -> Wire.readAck(b, new long[512], new long[1]);
        case Wire.ACCEPT -> {
          byte[] token = new byte[Wire.TOKEN_LENGTH];
          b.get(token);
          return token;
        }
        default -> {
          return null;
        }
      }
    }
    return null;
  }

  /** Sends an ACK frame of every packet number from 0 to the largest received. */
  void ackAll() throws IOException {
    long largest = largestReceivedPn;
    if (largest < 0) {
      return;
    }
    send(b -> Wire.writeAck(b, new long[] {0}, new long[] {largest}, 1, 0));
  }

  /**
   * Waits up to {@code timeoutMs} for a datagram that opens; returns its frames (flipped), or null.
   * Records who sent it in {@link #lastFrom}.
   */
  ByteBuffer receive(long timeoutMs) throws IOException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (true) {
      in.clear();
      SocketAddress from = channel.receive(in);
      if (from == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        selector.select(Math.max(1, left / 1_000_000L));
        selector.selectedKeys().clear();
        continue;
      }
      in.flip();
      lastFrom = from;
      if (crypto == null || in.remaining() < Wire.MIN_DATAGRAM || in.get(0) != receiveDirection) {
        unopened++;
        continue;
      }
      long pn = in.getLong(Wire.PACKET_NUMBER_OFFSET);
      if (!crypto.open(pn, in, plain)) {
        unopened++;
        continue;
      }
      lastPn = pn;
      largestReceivedPn = Math.max(largestReceivedPn, pn);
      if (plain.remaining() >= 9 && plain.get(0) == Wire.ACK) {
        largestAckedPn = Math.max(largestAckedPn, plain.getLong(1));
      }
      return plain;
    }
  }

  SocketAddress lastFrom;

  /** Whether the frames of a received datagram hold a frame of {@code type}, skipping ACKs. */
  static boolean holds(ByteBuffer frames, byte type) {
    ByteBuffer b = frames.duplicate();
    while (b.hasRemaining()) {
      byte t = b.get();
      if (t == type) {
        return true;
      }
      switch (t) {
        case Wire.ACK -> Wire.readAck(b, new long[512], new long[1]);
        case Wire.DATA -> {
          b.position(b.position() + 8);
          int n = Short.toUnsignedInt(b.getShort());
          b.position(b.position() + n);
        }
        case Wire.UNAVAILABLE -> b.position(b.position() + 4);
        case Wire.CLOSE -> b.position(b.position() + 1);
        case Wire.ACCEPT, Wire.ECHO -> b.position(b.position() + Wire.TOKEN_LENGTH);
        default -> {
          return false;
        }
      }
    }
    return false;
  }

  /** The chunk index of the first frame of {@code type} in {@code frames}, or -1. */
  static int chunkOf(ByteBuffer frames, byte type) {
    ByteBuffer b = frames.duplicate();
    while (b.hasRemaining()) {
      byte t = b.get();
      if (t == type) {
        return b.getInt();
      }
      switch (t) {
        case Wire.ACK -> Wire.readAck(b, new long[512], new long[1]);
        case Wire.DATA -> {
          b.position(b.position() + 8);
          int n = Short.toUnsignedInt(b.getShort());
          b.position(b.position() + n);
        }
        case Wire.UNAVAILABLE -> b.position(b.position() + 4);
        case Wire.ACCEPT, Wire.ECHO -> b.position(b.position() + Wire.TOKEN_LENGTH);
        default -> {
          return -1;
        }
      }
    }
    return -1;
  }

  @Override
  public void close() throws IOException {
    selector.close();
    channel.close();
  }
}
