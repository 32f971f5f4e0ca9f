package io.loudp2p.transport.udp.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The two datagrams of address observation (PROTOCOL.md section 8, "Address observation"), sent
 * outside every session and not encrypted: OBSERVE asks a server's announced socket which address
 * it came from; OBSERVED answers with that address and the request's nonce. An answer is never
 * larger than its request, so a request with a forged source cannot be amplified.
 */
final class Observations {
  /** The first byte of a request: version 3, kind 0. */
  static final byte OBSERVE = 0x30;
  /** The first byte of an answer: version 3, kind 1. */
  static final byte OBSERVED = 0x31;
  /** The nonce a request carries and its answer returns. */
  static final int NONCE_LENGTH = 16;
  /** A request is exactly this long: type, nonce, zero padding. */
  static final int REQUEST_LENGTH = 64;
  /** An answer about an IPv4 address: type, nonce, family, 4 bytes of address, port. */
  static final int ANSWER_V4_LENGTH = 1 + NONCE_LENGTH + 1 + 4 + 2;
  /** An answer about an IPv6 address. */
  static final int ANSWER_V6_LENGTH = 1 + NONCE_LENGTH + 1 + 16 + 2;

  private Observations() {}

  /** A request with {@code nonce}. */
  static ByteBuffer request(byte[] nonce) {
    ByteBuffer out = ByteBuffer.allocate(REQUEST_LENGTH);
    out.put(OBSERVE).put(nonce);
    out.position(0);
    return out;
  }

  /** Whether the {@code length} bytes at the start of {@code in} are a request. */
  static boolean isRequest(ByteBuffer in, int length) {
    return length == REQUEST_LENGTH && in.get(0) == OBSERVE;
  }

  /** The answer to the request at the start of {@code request}, which came from {@code from}. */
  static ByteBuffer answer(ByteBuffer request, InetSocketAddress from) {
    byte[] ip = from.getAddress().getAddress();
    ByteBuffer out = ByteBuffer.allocate(ip.length == 4 ? ANSWER_V4_LENGTH : ANSWER_V6_LENGTH);
    out.put(OBSERVED);
    for (int i = 0; i < NONCE_LENGTH; i++) {
      out.put(request.get(1 + i));
    }
    out.put((byte) (ip.length == 4 ? 4 : 6)).put(ip).putShort((short) from.getPort());
    out.flip();
    return out;
  }

  /**
   * The address an answer of {@code length} bytes at the start of {@code in} reports, when it is a
   * well-formed answer to the request with {@code nonce}; null otherwise.
   */
  static @Nullable InetSocketAddress read(ByteBuffer in, int length, byte[] nonce) {
    if ((length != ANSWER_V4_LENGTH && length != ANSWER_V6_LENGTH) || in.get(0) != OBSERVED) {
      return null;
    }
    for (int i = 0; i < NONCE_LENGTH; i++) {
      if (in.get(1 + i) != nonce[i]) {
        return null;
      }
    }
    int family = in.get(1 + NONCE_LENGTH);
    int ipLength = length == ANSWER_V4_LENGTH ? 4 : 16;
    if (family != (ipLength == 4 ? 4 : 6)) {
      return null;
    }
    byte[] ip = new byte[ipLength];
    in.get(2 + NONCE_LENGTH, ip);
    int port = Short.toUnsignedInt(in.getShort(2 + NONCE_LENGTH + ipLength));
    if (port == 0) {
      return null;
    }
    try {
      InetAddress a = InetAddress.getByAddress(ip);
      if (ipLength == 16 && a instanceof Inet4Address) {
        return null; // an IPv4-mapped address in the IPv6 form: not what this answer says
      }
      return new InetSocketAddress(a, port);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
