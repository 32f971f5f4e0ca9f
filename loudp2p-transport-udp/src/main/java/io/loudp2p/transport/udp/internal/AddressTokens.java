package io.loudp2p.transport.udp.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The address tokens of one source session: the token for an address is the first 16 bytes of
 * {@code HMAC-SHA256(key, IP address bytes || port as u16)} under a random key of the session's
 * own, so only whoever receives what the source sends to that address learns it, and it cannot be
 * used from another address. A receiver that echoes the token of the address it sends from, in a
 * datagram sealed with the session key, proves it holds the key and is reachable there: only then
 * does the source pin that address. Stateless per address, so a flood of HELLOs from many
 * addresses costs the source nothing to remember.
 *
 * <p>Used only while a session opens, never on the data path. Not thread-safe.
 */
final class AddressTokens {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String HMAC = "HmacSHA256";

  private final Mac mac;
  private final byte[] expected = new byte[Wire.TOKEN_LENGTH];
  private final byte[] got = new byte[Wire.TOKEN_LENGTH];

  AddressTokens() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    try {
      mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + HMAC, e);
    }
  }

  /** Writes the token of {@code address}. */
  void write(InetSocketAddress address, ByteBuffer out) {
    compute(address);
    out.put(expected);
  }

  /** Reads a token from {@code in} and tells whether it is the one of {@code address}. */
  boolean matches(InetSocketAddress address, ByteBuffer in) {
    in.get(got);
    compute(address);
    return MessageDigest.isEqual(expected, got);
  }

  private void compute(InetSocketAddress address) {
    mac.update(address.getAddress().getAddress());
    int port = address.getPort();
    mac.update((byte) (port >>> 8));
    mac.update((byte) port);
    byte[] full = mac.doFinal();
    System.arraycopy(full, 0, expected, 0, expected.length);
  }
}
