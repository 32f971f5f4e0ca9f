package io.loudp2p.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class IdentityTest {
  private static final HexFormat HEX = HexFormat.of();

  /**
   * RFC 6979 deterministic ECDSA on secp256k1 with SHA-256: the vectors published by fpgaminer on
   * bitcointalk.org (topic 285142, "Test Vectors for RFC 6979 ECDSA, secp256k1, SHA-256"), in the
   * low-S form that bitcoinjs-lib's and python-bitcoinlib's test fixtures carry.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          0000000000000000000000000000000000000000000000000000000000000001|Satoshi Nakamoto|934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d82442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5
          0000000000000000000000000000000000000000000000000000000000000001|All those moments will be lost in time, like tears in rain. Time to die...|8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21
          fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140|Satoshi Nakamoto|fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d06b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5
          f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181|Alan Turing|7063ae83e7f62bbb171798131b4a0564b956930092b33b07b395615d9ec7e15c58dfcc1e00a35e1572f366ffe34ba0fc47db1e7189759b9fb233c5b05ab388ea
          0000000000000000000000000000000000000000000000000000000000000001|Everything should be made as simple as possible, but not simpler.|33a69cd2065432a30f3d1ce4eb0d59b8ab58c74f27c41a7fdb5696ad4e6108c96f807982866f785d3f6418d24163ddae117b7db4d5fdf0071de069fa54342262
          fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140|Equations are more important to me, because politics is for the present, but an equation is something for eternity.|54c4a33c6423d689378f160a7ff8b61330444abb58fb470f96ea16d99d4a2fed07082304410efa6b2943111b6a4e0aaa7b7db55a07e9861d1fb3cb1f421044a5
          fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140|Not only is the Universe stranger than we think, it is stranger than we can think.|ff466a9f1b7b273e2f4c3ffe032eb2e814121ed18ef84665d0f515360dab3dd06fc95f5132e5ecfdc8e5e6e616cc77151455d46ed48f5589b7db7771a332b283
          """)
  void signsRfc6979Vectors(String privateKey, String message, String expectedSignature) {
    Identity identity = Identity.fromPrivateKey(HEX.parseHex(privateKey));
    byte[] msg = message.getBytes(StandardCharsets.UTF_8);

    byte[] signature = identity.sign(msg);

    assertThat(HEX.formatHex(signature)).isEqualTo(expectedSignature);
    assertThat(Identity.verify(identity.publicKey(), msg, signature)).isTrue();
  }

  @Test
  void signaturesAreDeterministicAndLowS() {
    Identity identity = Identity.generate();
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 200; i++) {
      byte[] msg = new byte[random.nextInt(0, 300)];
      random.nextBytes(msg);
      byte[] sig = identity.sign(msg);
      assertThat(sig).hasSize(64).isEqualTo(identity.sign(msg));
      BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
      assertThat(s).isLessThanOrEqualTo(Secp256k1.HALF_N);
      assertThat(Identity.verify(identity.publicKey(), msg, sig)).isTrue();
    }
  }

  @Test
  void rejectsHighSTwinOfValidSignature() {
    Identity identity = Identity.fromPrivateKey(HEX.parseHex("0000000000000000000000000000000000000000000000000000000000000001"));
    byte[] msg = "Satoshi Nakamoto".getBytes(StandardCharsets.UTF_8);
    byte[] sig = identity.sign(msg);
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    byte[] highS = sig.clone();
    byte[] twin = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, Secp256k1.N.subtract(s));
    System.arraycopy(twin, 0, highS, 32, 32);

    // The twin is a mathematically valid ECDSA signature, which is exactly why it must be refused.
    assertThat(HEX.formatHex(highS))
        .endsWith("dbbd3162d46e9f9bef7feb87c16dc13b4f6568a87f4e83f728e2443ba586675c");
    assertThat(Identity.verify(identity.publicKey(), msg, highS)).isFalse();
  }

  @Test
  void rejectsZeroAndOutOfRangeComponentsAndWrongLengths() {
    Identity identity = Identity.generate();
    byte[] msg = {1, 2, 3};
    byte[] sig = identity.sign(msg);
    byte[] n = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, Secp256k1.N);

    byte[] zeroR = sig.clone();
    Arrays.fill(zeroR, 0, 32, (byte) 0);
    byte[] zeroS = sig.clone();
    Arrays.fill(zeroS, 32, 64, (byte) 0);
    byte[] rIsN = sig.clone();
    System.arraycopy(n, 0, rIsN, 0, 32);
    byte[] allOnes = new byte[64];
    Arrays.fill(allOnes, (byte) 0xFF);

    assertThat(Identity.verify(identity.publicKey(), msg, zeroR)).isFalse();
    assertThat(Identity.verify(identity.publicKey(), msg, zeroS)).isFalse();
    assertThat(Identity.verify(identity.publicKey(), msg, rIsN)).isFalse();
    assertThat(Identity.verify(identity.publicKey(), msg, allOnes)).isFalse();
    assertThat(Identity.verify(identity.publicKey(), msg, Arrays.copyOf(sig, 63))).isFalse();
    assertThat(Identity.verify(identity.publicKey(), msg, Arrays.copyOf(sig, 65))).isFalse();
    assertThat(Identity.verify(identity.publicKey(), msg, new byte[0])).isFalse();
  }

  @Test
  void rejectsKeysThatAreNotPointsOnTheCurve() {
    Identity identity = Identity.generate();
    byte[] msg = {9};
    byte[] sig = identity.sign(msg);
    byte[] key = identity.publicKey();

    byte[] badPrefix = key.clone();
    badPrefix[0] = 0x05;
    // x = 5 has no y on secp256k1 (5^3 + 7 = 132 is not a square mod p).
    byte[] offCurve = new byte[33];
    offCurve[0] = 0x02;
    offCurve[32] = 5;
    byte[] xIsP = new byte[33];
    xIsP[0] = 0x02;
    System.arraycopy(HEX.parseHex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"), 0, xIsP, 1, 32);

    assertThat(Identity.verify(badPrefix, msg, sig)).isFalse();
    assertThat(Identity.verify(offCurve, msg, sig)).isFalse();
    assertThat(Identity.verify(xIsP, msg, sig)).isFalse();
    assertThat(Identity.verify(Arrays.copyOf(key, 32), msg, sig)).isFalse();
    assertThat(Identity.verify(new byte[65], msg, sig)).isFalse();
  }

  @Test
  void rejectsSignatureOverOtherMessageOrByOtherKey() {
    Identity alice = Identity.generate();
    Identity bob = Identity.generate();
    byte[] sig = alice.sign(new byte[] {1});

    assertThat(Identity.verify(alice.publicKey(), new byte[] {2}, sig)).isFalse();
    assertThat(Identity.verify(bob.publicKey(), new byte[] {1}, sig)).isFalse();
  }

  @Test
  void refusesPrivateKeysOutOfRange() {
    assertThatThrownBy(() -> Identity.fromPrivateKey(new byte[32]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> Identity.fromPrivateKey(
            org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, Secp256k1.N)))
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> Identity.fromPrivateKey(new byte[31]))
        .hasMessageContaining("32 bytes, got 31");
  }

  @Test
  void publicKeyIsCompressedAndPeerIdDerivesFromIt() {
    Identity identity = Identity.generate();

    assertThat(identity.publicKey()).hasSize(33);
    assertThat(identity.publicKey()[0]).isIn((byte) 2, (byte) 3);
    assertThat(identity.peerId()).isEqualTo(PeerIds.of(identity.publicKey()));
    assertThat(identity.peerId().toString()).startsWith("L");
    assertThat(identity.toString()).contains(identity.peerId().toString()).doesNotContain(
        HEX.formatHex(identity.privateKeyBytes()));
  }
}
