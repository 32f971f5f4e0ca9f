package io.loudp2p.benchmarks;

import com.google.protobuf.ByteString;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.PeerIds;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.wire.EnvelopeException;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.SignedMessage;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.RIPEMD160Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
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
 * Signing, verifying, sealing and opening envelopes with a 256-byte payload, and peer ID
 * derivation, each beside the raw BouncyCastle primitive in the same run.
 *
 * <p>{@code java -jar benchmarks/target/benchmarks.jar Envelope -f 1 -wi 3 -i 5}; the {@code *Raw}
 * methods are the baselines, and {@link Ratios} prints the ratios.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EnvelopeBenchmark {
  /** Envelopes sealed ahead so that opening never meets a replay; the opener is renewed per lap. */
  private static final int PRESEALED = 4096;

  private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
  private static final ECDomainParameters DOMAIN =
      new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());

  private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_790_000_000_000L), ZoneOffset.UTC);
  private Identity identity;
  private EnvelopeSealer sealer;
  private Payload.Builder payload;
  private byte[] message;
  private byte[] messageSignature;
  private byte[] digest;
  private BigInteger[] rawSignature;
  private ECPrivateKeyParameters rawPrivate;
  private ECPublicKeyParameters rawPublic;
  private byte[] publicKey;
  private byte[][] sealed;
  private io.loudp2p.core.identity.PublicKey cachedKey;
  private byte[][] variedDigests;
  private BigInteger[] variedR;
  private BigInteger[] variedS;
  private int nextRaw;
  private EnvelopeOpener opener;
  private int next;

  @Setup
  public void setUp() throws Exception {
    byte[] secret = new byte[32];
    new Random(42).nextBytes(secret);
    identity = Identity.fromPrivateKey(secret);
    publicKey = identity.publicKey();
    sealer = new EnvelopeSealer(identity, clock, new Random(7));

    // A search query whose serialized payload is 256 bytes once sender, time and nonce are set.
    SearchQuery.Builder query = SearchQuery.newBuilder().setTtl(5)
        .setQueryId(ByteString.copyFrom(new byte[16]));
    payload = Payload.newBuilder().setSearchQuery(query.addTerms("x".repeat(150)));
    int size = sealer.seal(payload).getPayload().size();
    payload = Payload.newBuilder().setSearchQuery(
        query.setTerms(0, "x".repeat(150 + 256 - size)));
    Envelope sample = sealer.seal(payload);
    if (sample.getPayload().size() != 256) {
      throw new IllegalStateException("payload is " + sample.getPayload().size() + " bytes");
    }

    message = sample.getPayload().toByteArray();
    messageSignature = identity.sign(message);
    digest = MessageDigest.getInstance("SHA-256").digest(message);
    rawPrivate = new ECPrivateKeyParameters(new BigInteger(1, secret), DOMAIN);
    rawPublic = new ECPublicKeyParameters(DOMAIN.getCurve().decodePoint(publicKey), DOMAIN);
    rawSignature = rawSign();

    cachedKey = io.loudp2p.core.identity.PublicKey.decodeCompressed(publicKey);
    sealed = new byte[PRESEALED][];
    for (int i = 0; i < PRESEALED; i++) {
      sealed[i] = sealer.seal(payload).toByteArray();
    }
    opener = newOpener();
    variedDigests = new byte[PRESEALED][];
    variedR = new BigInteger[PRESEALED];
    variedS = new BigInteger[PRESEALED];
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < PRESEALED; i++) {
      Envelope e = Envelope.parseFrom(sealed[i]);
      sha.update(io.loudp2p.core.wire.Envelopes.MESSAGE_DOMAIN.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      variedDigests[i] = sha.digest(e.getPayload().toByteArray());
      byte[] sig = e.getSignature().toByteArray();
      variedR[i] = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 0, 32));
      variedS[i] = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
    }
  }

  private EnvelopeOpener newOpener() {
    return EnvelopeOpener.builder().clock(clock).replayMemory(PRESEALED * 2).build();
  }

  private BigInteger[] rawSign() {
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, rawPrivate);
    return signer.generateSignature(digest);
  }

  /** Baseline: BouncyCastle's deterministic ECDSA over a precomputed digest. */
  @Benchmark
  public BigInteger[] signRaw() {
    return rawSign();
  }

  /** Identity.sign over the 256-byte message: hashing, signing, low-S and encoding. */
  @Benchmark
  public byte[] signMessage() {
    return identity.sign(message);
  }

  /** Sealing a 256-byte payload: nonce, serialisation, domain hash, signature, envelope. */
  @Benchmark
  public Envelope sealEnvelope() {
    return sealer.seal(payload);
  }

  /** Baseline: BouncyCastle's ECDSA verification with a decoded key and a precomputed digest. */
  @Benchmark
  public boolean verifyRaw() {
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, rawPublic);
    return verifier.verifySignature(digest, rawSignature[0], rawSignature[1]);
  }

  /** A decoded, cached key verifying a precomputed digest: the EC work alone, through our API. */
  @Benchmark
  public boolean verifyCachedKey() {
    return cachedKey.verifyDigest(digest, messageSignature);
  }

  /**
   * Baseline with varied input: the raw primitive over the digests and signatures of the
   * presealed envelopes in turn, as {@link #openEnvelope} meets them.
   */
  @Benchmark
  public boolean verifyRawVaried() {
    if (nextRaw == PRESEALED) {
      nextRaw = 0;
    }
    int i = nextRaw++;
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, rawPublic);
    return verifier.verifySignature(variedDigests[i], variedR[i], variedS[i]);
  }

  /** Identity.verify: key decoding and checks, hashing, range and low-S checks, verification. */
  @Benchmark
  public boolean verifyMessage() {
    return Identity.verify(publicKey, message, messageSignature);
  }

  /** Opening an envelope: size, parse, key, signature, payload parse, sender, skew, replay. */
  @Benchmark
  public SignedMessage openEnvelope() throws EnvelopeException {
    if (next == PRESEALED) {
      next = 0;
      opener = newOpener();
    }
    return opener.open(sealed[next++]);
  }

  /**
   * Opening an envelope from a signer not seen before: the same checks plus decompressing the
   * key and deriving its peer ID (a new opener each time, so its key cache is empty).
   */
  @Benchmark
  public SignedMessage openEnvelopeFirstContact() throws EnvelopeException {
    if (next == PRESEALED) {
      next = 0;
    }
    return newOpener().open(sealed[next++]);
  }

  /** Baseline: SHA-256 then RIPEMD-160 of the 33-byte key, the hashes a peer ID is made of. */
  @Benchmark
  public byte[] peerIdRaw() {
    SHA256Digest sha = new SHA256Digest();
    sha.update(publicKey, 0, publicKey.length);
    byte[] h = new byte[32];
    sha.doFinal(h, 0);
    RIPEMD160Digest ripemd = new RIPEMD160Digest();
    ripemd.update(h, 0, 32);
    byte[] out = new byte[20];
    ripemd.doFinal(out, 0);
    return out;
  }

  /** Peer ID derivation: point validation, the hashes, Base58Check text form. */
  @Benchmark
  public Object peerIdDerive() {
    return PeerIds.of(publicKey);
  }

}
