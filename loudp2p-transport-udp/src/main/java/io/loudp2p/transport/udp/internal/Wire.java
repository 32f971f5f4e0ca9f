package io.loudp2p.transport.udp.internal;

import java.nio.ByteBuffer;

/**
 * The datagram layout and frame encodings of the UDP data plane (PROTOCOL.md, "UDP data plane").
 *
 * <p>A datagram is a 25-byte cleartext header (version/direction byte, 16-byte session ID, 8-byte
 * big-endian packet number) followed by the AEAD ciphertext of a sequence of frames and its 16-byte
 * tag. All integers are big-endian and unsigned.
 *
 * <p>A whole datagram (header, ciphertext and tag) is at most {@link #MAX_DATAGRAM} = 1,200 bytes,
 * QUIC's floor, which fits the 1,280-byte minimum MTU of IPv6 with room for the IP and UDP headers.
 * A DATA frame carries at most {@link #MAX_FRAGMENT} = 1,130 chunk bytes, the largest fragment that
 * still leaves room for an ACK frame of one range in front of it.
 */
public final class Wire {
  /**
   * Header byte of datagrams from receiver to source: version 2, direction 1. Version 2 is the
   * opening in which the source pins the receiver's address only once it echoed an address token
   * (version 1 pinned the first HELLO's sender); a side of either version drops the other's
   * datagrams by this byte, so a mixed pair fails to open and falls back instead of half-working.
   */
  public static final byte TO_SOURCE = 0x21;
  /** Header byte of datagrams from source to receiver: version 2, direction 2. */
  public static final byte TO_RECEIVER = 0x22;

  public static final int SESSION_ID_OFFSET = 1;
  public static final int PACKET_NUMBER_OFFSET = 17;
  public static final int HEADER_LENGTH = 25;
  public static final int TAG_LENGTH = 16;
  /** The largest datagram (the whole UDP payload) either side sends or accepts. */
  public static final int MAX_DATAGRAM = 1200;
  /** The largest plaintext of one datagram: 1,159 bytes. */
  public static final int MAX_PLAINTEXT = MAX_DATAGRAM - HEADER_LENGTH - TAG_LENGTH;
  /** The smallest valid datagram: a header, one frame type byte and the tag. */
  public static final int MIN_DATAGRAM = HEADER_LENGTH + 1 + TAG_LENGTH;

  public static final byte HELLO = 0x01;
  public static final byte ACCEPT = 0x02;
  public static final byte REFUSED = 0x03;
  public static final byte REQUEST = 0x04;
  public static final byte DATA = 0x05;
  public static final byte UNAVAILABLE = 0x06;
  public static final byte ACK = 0x07;
  public static final byte CLOSE = 0x08;
  public static final byte PING = 0x09;
  public static final byte ECHO = 0x0a;

  /** The address token an ACCEPT carries and an ECHO returns. */
  public static final int TOKEN_LENGTH = 16;
  /** An ACCEPT or ECHO frame: the type byte and the token. */
  public static final int TOKEN_FRAME = 1 + TOKEN_LENGTH;

  /** REQUEST entry kinds. */
  public static final byte WANT = 1;
  public static final byte CANCEL = 2;

  /** CLOSE reasons. */
  public static final byte CLOSE_RECEIVER = 0;
  public static final byte CLOSE_SOURCE = 1;
  public static final byte CLOSE_ERROR = 2;

  /** DATA frame bytes before the chunk bytes. */
  public static final int DATA_OVERHEAD = 1 + 4 + 4 + 2;
  /** The bytes of an ACK frame with one range. */
  public static final int MIN_ACK_FRAME = 1 + 8 + 4 + 1 + 4;
  /**
   * The most chunk bytes in one DATA frame: 1,130, so that a DATA frame of this many bytes and an
   * ACK frame of one range fill a datagram exactly (25 + 18 + 11 + 1,130 + 16 = 1,200).
   */
  public static final int MAX_FRAGMENT = MAX_PLAINTEXT - MIN_ACK_FRAME - DATA_OVERHEAD;
  /** The most entries of one REQUEST frame; a frame with more is malformed. */
  public static final int MAX_REQUEST_ENTRIES = 64;
  /** One REQUEST entry. */
  public static final int REQUEST_ENTRY = 1 + 4 + 4;
  /** REQUEST frame bytes before the entries. */
  public static final int REQUEST_OVERHEAD = 1 + 1;
  /** HELLO frame bytes before the handshake: type and u16 length. */
  public static final int HELLO_OVERHEAD = 1 + 2;
  /** The largest HELLO handshake: 1,156 bytes, a datagram of exactly {@link #MAX_DATAGRAM}. */
  public static final int MAX_HANDSHAKE = MAX_PLAINTEXT - HELLO_OVERHEAD;

  private Wire() {}

  /** The length of an ACK frame with {@code ranges} ranges. */
  public static int ackFrameLength(int ranges) {
    return MIN_ACK_FRAME + Math.max(0, ranges - 1) * 8;
  }

  /** Writes the cleartext header at the buffer's start. */
  public static void writeHeader(ByteBuffer out, byte direction, byte[] sessionId, long pn) {
    out.put(0, direction);
    out.put(SESSION_ID_OFFSET, sessionId);
    out.putLong(PACKET_NUMBER_OFFSET, pn);
  }

  /** Writes an ACK frame of ranges {@code lo[i]..hi[i]}, largest first. */
  static void writeAck(ByteBuffer out, long[] lo, long[] hi, int count, long delayMicros) {
    out.put(ACK);
    out.putLong(hi[0]);
    out.putInt((int) Math.min(delayMicros, 0xffffffffL));
    int countPos = out.position();
    out.put((byte) 0);
    out.putInt((int) Math.min(hi[0] - lo[0], 0xffffffffL));
    int written = 1;
    for (int i = 1; i < count; i++) {
      long gap = lo[i - 1] - hi[i] - 2;
      long len = hi[i] - lo[i];
      if (gap > 0xffffffffL || len > 0xffffffffL) {
        break;
      }
      out.putInt((int) gap);
      out.putInt((int) len);
      written++;
    }
    out.put(countPos, (byte) written);
  }

  /**
   * Reads an ACK frame's body (after the type byte) into (smallest, largest) pairs.
   *
   * @return the number of ranges, or -1 when the frame is malformed
   */
  static int readAck(ByteBuffer in, long[] ranges, long[] delayMicrosOut) {
    if (in.remaining() < 8 + 4 + 1 + 4) {
      return -1;
    }
    long largest = in.getLong();
    delayMicrosOut[0] = Integer.toUnsignedLong(in.getInt());
    int n = Byte.toUnsignedInt(in.get());
    if (n < 1 || n > ranges.length / 2 || in.remaining() < 4 + (n - 1) * 8 || largest < 0) {
      return -1;
    }
    long first = Integer.toUnsignedLong(in.getInt());
    long smallest = largest - first;
    if (smallest < 0) {
      return -1;
    }
    ranges[0] = smallest;
    ranges[1] = largest;
    for (int i = 1; i < n; i++) {
      long gap = Integer.toUnsignedLong(in.getInt());
      long len = Integer.toUnsignedLong(in.getInt());
      long hi = smallest - gap - 2;
      long lo = hi - len;
      if (lo < 0) {
        return -1;
      }
      ranges[2 * i] = lo;
      ranges[2 * i + 1] = hi;
      smallest = lo;
    }
    return n;
  }
}
