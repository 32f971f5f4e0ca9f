package io.loudp2p.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.testing.FakeClock;
import java.time.Clock;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever bytes arrive, the opener either throws {@link EnvelopeException} or returns a
 * message whose payload is exactly what Alice signed. Nothing else escapes: no other exception,
 * and no unauthenticated payload. Seeded, so a failure reproduces.
 */
class EnvelopeFuzzTest {
  private static final long SEED = 0x10ad_9292L;
  private static final int CASES = 20_000;
  private static final long NOW = 1_790_000_000_000L;

  private final Clock clock = FakeClock.atWallMillis(NOW).wallClock();
  private final Identity alice = Identity.fromPrivateKey(new byte[] {
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
  private final Envelope valid = new EnvelopeSealer(alice, clock, new Random(3))
      .seal(Payload.newBuilder().setSearchQuery(
          SearchQuery.newBuilder().addTerms("sigur").addTerms("ros").setTtl(4)));
  private final byte[] validWire = valid.toByteArray();

  @Test
  void randomTruncatedAndBitFlippedEnvelopesOnlyEverFailWithADocumentedReason() {
    SplittableRandom random = new SplittableRandom(SEED);
    Map<RejectReason, Integer> seen = new EnumMap<>(RejectReason.class);
    int accepted = 0;
    for (int i = 0; i < CASES; i++) {
      byte[] input = mutate(random, i % 4);
      // A fresh opener each time: a replay of the untouched envelope must not mask other outcomes.
      EnvelopeOpener opener = EnvelopeOpener.builder().clock(clock).build();
      try {
        SignedMessage message = opener.open(input);
        assertThat(message.sender()).isEqualTo(alice.peerId());
        assertThat(message.payload().toByteString()).isEqualTo(valid.getPayload());
        accepted++;
      } catch (EnvelopeException e) {
        seen.merge(e.reason(), 1, Integer::sum);
        assertThat(e.getMessage()).startsWith(e.reason().name());
      }
    }
    // The generator reaches the interesting rules, not just "malformed".
    assertThat(seen).containsKeys(
        RejectReason.MALFORMED_ENVELOPE, RejectReason.BAD_PUBLIC_KEY, RejectReason.BAD_SIGNATURE);
    assertThat(accepted).isLessThan(CASES / 4);
  }

  private byte[] mutate(SplittableRandom random, int kind) {
    switch (kind) {
      case 0: { // random bytes
        byte[] b = new byte[random.nextInt(0, 400)];
        random.nextBytes(b);
        return b;
      }
      case 1: // truncated
        return Arrays.copyOf(validWire, random.nextInt(0, validWire.length));
      case 2: { // one to three bit flips anywhere
        byte[] b = validWire.clone();
        int flips = random.nextInt(1, 4);
        for (int f = 0; f < flips; f++) {
          int bit = random.nextInt(b.length * 8);
          b[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return b;
      }
      default: { // a random byte overwritten, or random bytes appended
        byte[] b = validWire.clone();
        if (random.nextBoolean()) {
          b[random.nextInt(b.length)] = (byte) random.nextInt(256);
          return b;
        }
        byte[] tail = new byte[random.nextInt(1, 20)];
        random.nextBytes(tail);
        byte[] out = Arrays.copyOf(b, b.length + tail.length);
        System.arraycopy(tail, 0, out, b.length, tail.length);
        return out;
      }
    }
  }
}
