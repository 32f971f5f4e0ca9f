package io.loudp2p.benchmarks;

import io.loudp2p.transport.udp.internal.Wire;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sealing one full UDP data datagram (25-byte header as additional data, 1,159 bytes of frames)
 * with the JDK's AES-256-GCM and ChaCha20-Poly1305, as the transport does it: a fresh nonce from
 * the packet number, one {@code Cipher} re-initialised per packet, heap arrays in and out (as
 * {@code SessionCrypto} seals: the JDK's GCM hashes a direct buffer block by block in Java, but an
 * array with its intrinsics). The faster one is the transport's AEAD.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar AeadBenchmark -f 1 -wi 3 -i 5}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AeadBenchmark {
  private static final int HEADER = Wire.HEADER_LENGTH;
  private static final int PLAINTEXT = Wire.MAX_PLAINTEXT;

  private Cipher gcm;
  private Cipher chacha;
  private SecretKeySpec aesKey;
  private SecretKeySpec chachaKey;
  private byte[] plain;
  private byte[] out;
  private byte[] header;
  private final byte[] nonce = new byte[12];
  private long pn;

  @Setup
  public void setUp() throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    byte[] key = new byte[32];
    random.nextBytes(key);
    aesKey = new SecretKeySpec(key, "AES");
    chachaKey = new SecretKeySpec(key, "ChaCha20");
    gcm = Cipher.getInstance("AES/GCM/NoPadding");
    chacha = Cipher.getInstance("ChaCha20-Poly1305");
    plain = new byte[PLAINTEXT];
    random.nextBytes(plain);
    header = new byte[HEADER];
    random.nextBytes(header);
    out = new byte[Wire.MAX_DATAGRAM];
  }

  private void nextNonce() {
    long n = ++pn;
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (n >>> (56 - 8 * i));
    }
  }

  @Benchmark
  public int aes256Gcm() throws Exception {
    nextNonce();
    gcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce));
    gcm.updateAAD(header);
    return gcm.doFinal(plain, 0, PLAINTEXT, out, HEADER);
  }

  @Benchmark
  public int chaCha20Poly1305() throws Exception {
    nextNonce();
    chacha.init(Cipher.ENCRYPT_MODE, chachaKey, new IvParameterSpec(nonce));
    chacha.updateAAD(header);
    return chacha.doFinal(plain, 0, PLAINTEXT, out, HEADER);
  }
}
