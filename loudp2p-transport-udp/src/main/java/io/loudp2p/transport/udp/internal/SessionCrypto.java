package io.loudp2p.transport.udp.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

/**
 * The keys of one session and the AEAD that protects its datagrams.
 *
 * <p>Keys: {@code HKDF-SHA256(ikm = X25519(own private, peer public), salt = session ID, info =
 * "loudp2p/v1/udp-keys" || receiver public || source public)}, 64 bytes: the first 32 protect
 * receiver-to-source datagrams, the next 32 source-to-receiver ones. AEAD: AES-256-GCM (faster
 * than ChaCha20-Poly1305 on the JDK's intrinsics, see {@code AeadBenchmark}), nonce = 4 zero bytes
 * || the 8-byte packet number, additional data = the 25-byte cleartext header.
 *
 * <p>Not thread-safe: used by its session's I/O thread only.
 */
public final class SessionCrypto {
  /** The length of a raw X25519 public key. */
  public static final int KEY_LENGTH = 32;

  /** The HKDF info prefix. */
  public static final byte[] INFO = "loudp2p/v1/udp-keys".getBytes(StandardCharsets.US_ASCII);

  /** The JDK name of the AEAD. */
  public static final String AEAD = "AES/GCM/NoPadding";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Cipher sealer;
  private final Cipher opener;
  private final SecretKeySpec sealKey;
  private final SecretKeySpec openKey;
  private final byte[] nonce = new byte[12];

  private SessionCrypto(byte[] sealKey, byte[] openKey) {
    try {
      this.sealer = Cipher.getInstance(AEAD);
      this.opener = Cipher.getInstance(AEAD);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + AEAD, e);
    }
    this.sealKey = new SecretKeySpec(sealKey, "AES");
    this.openKey = new SecretKeySpec(openKey, "AES");
  }

  /** A fresh ephemeral X25519 key pair. */
  public static X25519PrivateKeyParameters newPrivateKey() {
    return new X25519PrivateKeyParameters(RANDOM);
  }

  /** The raw 32-byte public key of {@code key}. */
  public static byte[] publicKey(X25519PrivateKeyParameters key) {
    return key.generatePublicKey().getEncoded();
  }

  /**
   * Derives the 64 bytes of session keys.
   *
   * @throws IllegalArgumentException when the peer key has the wrong length or the shared secret
   *     is all zeros (a low-order peer key)
   */
  public static byte[] deriveKeys(X25519PrivateKeyParameters own, byte[] peerPublic,
      byte[] sessionId, byte[] receiverPublic, byte[] sourcePublic) {
    if (peerPublic.length != KEY_LENGTH) {
      throw new IllegalArgumentException(
          "an X25519 public key has " + KEY_LENGTH + " bytes, got " + peerPublic.length);
    }
    X25519Agreement agreement = new X25519Agreement();
    agreement.init(own);
    byte[] shared = new byte[agreement.getAgreementSize()];
    try {
      agreement.calculateAgreement(new X25519PublicKeyParameters(peerPublic, 0), shared, 0);
    } catch (IllegalStateException e) {
      // BouncyCastle refuses an all-zero result itself; the check below stays for clarity.
      throw new IllegalArgumentException("the X25519 shared secret is all zeros", e);
    }
    int bits = 0;
    for (byte b : shared) {
      bits |= b;
    }
    if (bits == 0) {
      throw new IllegalArgumentException("the X25519 shared secret is all zeros");
    }
    byte[] info = new byte[INFO.length + 2 * KEY_LENGTH];
    System.arraycopy(INFO, 0, info, 0, INFO.length);
    System.arraycopy(receiverPublic, 0, info, INFO.length, KEY_LENGTH);
    System.arraycopy(sourcePublic, 0, info, INFO.length + KEY_LENGTH, KEY_LENGTH);
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(shared, sessionId, info));
    byte[] keys = new byte[64];
    hkdf.generateBytes(keys, 0, keys.length);
    Arrays.fill(shared, (byte) 0);
    return keys;
  }

  /** The crypto of the receiver's end: seals with the first key, opens with the second. */
  public static SessionCrypto forReceiver(byte[] keys) {
    return new SessionCrypto(Arrays.copyOfRange(keys, 0, 32), Arrays.copyOfRange(keys, 32, 64));
  }

  /** The crypto of the source's end: seals with the second key, opens with the first. */
  public static SessionCrypto forSource(byte[] keys) {
    return new SessionCrypto(Arrays.copyOfRange(keys, 32, 64), Arrays.copyOfRange(keys, 0, 32));
  }

  private GCMParameterSpec spec(long pn) {
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (pn >>> (56 - 8 * i));
    }
    return new GCMParameterSpec(128, nonce);
  }

  /**
   * Encrypts {@code plain} (position to limit) into {@code datagram} after the header already
   * written at its start; on return {@code datagram} is flipped, ready to send.
   *
   * <p>Heap buffers take the JDK's array path, whose GHASH is intrinsified; a direct buffer would
   * be hashed block by block in Java.
   */
  public void seal(long pn, ByteBuffer plain, ByteBuffer datagram) {
    try {
      sealer.init(Cipher.ENCRYPT_MODE, sealKey, spec(pn));
      int length = plain.remaining();
      if (plain.hasArray() && datagram.hasArray()) {
        byte[] out = datagram.array();
        int base = datagram.arrayOffset();
        sealer.updateAAD(out, base, Wire.HEADER_LENGTH);
        int n = sealer.doFinal(plain.array(), plain.arrayOffset() + plain.position(), length,
            out, base + Wire.HEADER_LENGTH);
        plain.position(plain.limit());
        datagram.limit(Wire.HEADER_LENGTH + n).position(0);
        return;
      }
      datagram.limit(Wire.HEADER_LENGTH).position(0);
      sealer.updateAAD(datagram);
      datagram.limit(datagram.capacity()).position(Wire.HEADER_LENGTH);
      sealer.doFinal(plain, datagram);
      datagram.flip();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("sealing failed", e);
    }
  }

  /**
   * Decrypts a whole datagram (position 0 to limit) into {@code plain}, flipped.
   *
   * @return false when it does not authenticate
   */
  public boolean open(long pn, ByteBuffer datagram, ByteBuffer plain) {
    try {
      opener.init(Cipher.DECRYPT_MODE, openKey, spec(pn));
      int end = datagram.limit();
      plain.clear();
      if (datagram.hasArray() && plain.hasArray()) {
        byte[] in = datagram.array();
        int base = datagram.arrayOffset();
        opener.updateAAD(in, base, Wire.HEADER_LENGTH);
        int n = opener.doFinal(in, base + Wire.HEADER_LENGTH, end - Wire.HEADER_LENGTH,
            plain.array(), plain.arrayOffset());
        datagram.position(end);
        plain.limit(n);
        return true;
      }
      datagram.limit(Wire.HEADER_LENGTH).position(0);
      opener.updateAAD(datagram);
      datagram.limit(end).position(Wire.HEADER_LENGTH);
      opener.doFinal(datagram, plain);
      plain.flip();
      return true;
    } catch (GeneralSecurityException | IllegalStateException | IllegalArgumentException e) {
      plain.clear().limit(0);
      return false;
    }
  }
}
