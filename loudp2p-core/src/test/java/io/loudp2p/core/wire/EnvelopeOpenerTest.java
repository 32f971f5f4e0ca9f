package io.loudp2p.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.ManifestRequest;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.PeerRecordPayload;
import io.loudp2p.core.proto.v1.Role;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.testing.FakeClock;
import io.loudp2p.spi.ControlMethod;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EnvelopeOpenerTest {
  private static final long START_MS = 1_790_000_000_000L;

  private final FakeClock time = FakeClock.atWallMillis(START_MS);
  private final Clock clock = time.wallClock();
  private final Identity alice = Identity.generate();
  private final Identity mallory = Identity.generate();
  private final EnvelopeSealer sealer = new EnvelopeSealer(alice, clock, new Random(1));
  private final EnvelopeOpener opener = EnvelopeOpener.builder().clock(clock).build();

  private static Payload.Builder query(String term) {
    return Payload.newBuilder()
        .setSearchQuery(SearchQuery.newBuilder().addTerms(term).setTtl(3)
            .setQueryId(ByteString.copyFrom(new byte[16])));
  }

  @Test
  void opensWhatWasSealed() throws EnvelopeException {
    Envelope envelope = sealer.seal(query("bach"));

    SignedMessage message = opener.open(envelope.toByteArray());

    assertThat(message.sender()).isEqualTo(alice.peerId());
    assertThat(message.senderPublicKey()).isEqualTo(alice.publicKey());
    assertThat(message.payload().getSearchQuery().getTermsList()).containsExactly("bach");
    assertThat(message.payload().getTimestampMs()).isEqualTo(START_MS);
  }

  @Test
  void dropsReplayedEnvelope() throws EnvelopeException {
    byte[] wire = sealer.seal(query("bach")).toByteArray();
    opener.open(wire);

    assertReject(wire, RejectReason.REPLAYED);
    assertThat(opener.rejections(RejectReason.REPLAYED)).isEqualTo(1);
  }

  @Test
  void dropsStaleAndFutureMessagesBeyondTheSkew() {
    byte[] old = sealer.seal(query("a")).toByteArray();
    time.advance(EnvelopeOpener.DEFAULT_MAX_CLOCK_SKEW.plusMillis(1));
    assertReject(old, RejectReason.STALE);

    time.setWallMillis(START_MS);
    Clock ahead =
        FakeClock.atWallMillis(START_MS + EnvelopeOpener.DEFAULT_MAX_CLOCK_SKEW.toMillis() + 1)
            .wallClock();
    byte[] future = new EnvelopeSealer(alice, ahead, new Random(2)).seal(query("b")).toByteArray();
    assertReject(future, RejectReason.FROM_FUTURE);
  }

  @Test
  void acceptsMessagesJustInsideTheSkew() throws EnvelopeException {
    byte[] wire = sealer.seal(query("a")).toByteArray();
    time.advance(EnvelopeOpener.DEFAULT_MAX_CLOCK_SKEW);

    assertThat(opener.open(wire).sender()).isEqualTo(alice.peerId());
  }

  @Test
  void dropsOversizedEnvelopeWithoutParsingIt() {
    EnvelopeOpener small = EnvelopeOpener.builder().clock(clock).maxEnvelopeBytes(200).build();
    byte[] wire = sealer.seal(query("x".repeat(300))).toByteArray();

    assertThatThrownBy(() -> small.open(wire))
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(RejectReason.TOO_LARGE))
        .hasMessageContaining("the limit is 200");
  }

  @Test
  void defaultLimitIsOneMebibyte() {
    byte[] wire = new byte[EnvelopeOpener.DEFAULT_MAX_ENVELOPE_BYTES + 1];
    assertReject(wire, RejectReason.TOO_LARGE);
  }

  @Test
  void dropsEnvelopeWhoseKeyWasSwappedForAnother() {
    Envelope envelope = sealer.seal(query("a"));
    Envelope swapped = envelope.toBuilder()
        .setSignerPublicKey(ByteString.copyFrom(mallory.publicKey())).build();

    assertReject(swapped.toByteArray(), RejectReason.BAD_SIGNATURE);
  }

  @Test
  void dropsValidSignatureFromAKeyThatIsNotTheClaimedSender() {
    // Mallory signs a payload claiming to come from Alice.
    byte[] payload = query("a").setSenderPeerId(ByteString.copyFrom(alice.peerId().bytes()))
        .setTimestampMs(START_MS).setNonce(ByteString.copyFrom(new byte[16])).build().toByteArray();
    Envelope forged = signRaw(mallory, Envelopes.MESSAGE_DOMAIN_BYTES, payload);

    assertReject(forged.toByteArray(), RejectReason.SENDER_MISMATCH);
  }

  @Test
  void dropsPayloadChangedAfterSigning() {
    Envelope envelope = sealer.seal(query("a"));
    byte[] payload = envelope.getPayload().toByteArray();
    payload[payload.length - 1] ^= 1;
    Envelope tampered = envelope.toBuilder().setPayload(ByteString.copyFrom(payload)).build();

    assertReject(tampered.toByteArray(), RejectReason.BAD_SIGNATURE);
  }

  @Test
  void dropsHighSTwinOfAValidSignature() {
    Envelope envelope = sealer.seal(query("a"));
    byte[] sig = envelope.getSignature().toByteArray();
    java.math.BigInteger n = new java.math.BigInteger(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);
    java.math.BigInteger s = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
    byte[] high = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, n.subtract(s));
    System.arraycopy(high, 0, sig, 32, 32);

    assertReject(envelope.toBuilder().setSignature(ByteString.copyFrom(sig)).build().toByteArray(),
        RejectReason.BAD_SIGNATURE);
  }

  @Test
  void dropsBadPublicKeys() {
    Envelope envelope = sealer.seal(query("a"));
    byte[] uncompressedLength = new byte[65];
    uncompressedLength[0] = 4;
    byte[] offCurve = new byte[33];
    offCurve[0] = 2;
    offCurve[32] = 5;

    assertReject(envelope.toBuilder().setSignerPublicKey(ByteString.copyFrom(offCurve)).build()
        .toByteArray(), RejectReason.BAD_PUBLIC_KEY);
    assertReject(envelope.toBuilder().setSignerPublicKey(ByteString.copyFrom(uncompressedLength))
        .build().toByteArray(), RejectReason.BAD_PUBLIC_KEY);
    assertReject(envelope.toBuilder().clearSignerPublicKey().build().toByteArray(),
        RejectReason.BAD_PUBLIC_KEY);
  }

  @Test
  void dropsPayloadWithoutKnownBodyOrWithBadNonce() {
    byte[] noBody = Payload.newBuilder().setSenderPeerId(ByteString.copyFrom(alice.peerId().bytes()))
        .setTimestampMs(START_MS).setNonce(ByteString.copyFrom(new byte[16])).build().toByteArray();
    byte[] shortNonce = query("a").setSenderPeerId(ByteString.copyFrom(alice.peerId().bytes()))
        .setTimestampMs(START_MS).setNonce(ByteString.copyFrom(new byte[8])).build().toByteArray();
    byte[] garbage = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

    assertReject(signRaw(alice, Envelopes.MESSAGE_DOMAIN_BYTES, noBody).toByteArray(),
        RejectReason.MISSING_BODY);
    assertReject(signRaw(alice, Envelopes.MESSAGE_DOMAIN_BYTES, shortNonce).toByteArray(),
        RejectReason.MALFORMED_PAYLOAD);
    assertReject(signRaw(alice, Envelopes.MESSAGE_DOMAIN_BYTES, garbage).toByteArray(),
        RejectReason.MALFORMED_PAYLOAD);
  }

  @Test
  void aShortNonceIsAMalformedPayloadEvenWhenTheSenderIsWrongToo() {
    byte[] both = query("a").setSenderPeerId(ByteString.copyFrom(mallory.peerId().bytes()))
        .setTimestampMs(START_MS).setNonce(ByteString.copyFrom(new byte[8])).build().toByteArray();

    assertReject(signRaw(alice, Envelopes.MESSAGE_DOMAIN_BYTES, both).toByteArray(),
        RejectReason.MALFORMED_PAYLOAD);
  }

  @Test
  void aRequestWhoseBodyIsNotItsMethodsIsRefusedWithoutUsingUpItsNonce() throws Exception {
    byte[] wire = sealer.seal(query("bach")).toByteArray();

    for (ControlMethod method : ControlMethod.values()) {
      if (method != ControlMethod.SEARCH) {
        assertThatThrownBy(() -> opener.openRequest(wire, method))
            .isInstanceOfSatisfying(EnvelopeException.class,
                e -> assertThat(e.reason()).isEqualTo(RejectReason.WRONG_METHOD))
            .hasMessageStartingWith("WRONG_METHOD: " + method.wireName()
                + " carries " + MethodBodies.request(method).name().toLowerCase(java.util.Locale.ROOT)
                + ", not search_query");
      }
    }
    assertThat(opener.rejections(RejectReason.WRONG_METHOD))
        .isEqualTo(ControlMethod.values().length - 1);
    assertThat(opener.openRequest(wire, ControlMethod.SEARCH).payload().hasSearchQuery()).isTrue();
  }

  @Test
  void theBodyIsCheckedAgainstTheMethodOnlyAfterTheSignatureAndTheSender() {
    Envelope sealed = sealer.seal(query("bach"));
    byte[] forged = sealed.toBuilder().setSignature(ByteString.copyFrom(new byte[64]))
        .build().toByteArray();
    byte[] otherSender = query("a").setSenderPeerId(ByteString.copyFrom(mallory.peerId().bytes()))
        .setTimestampMs(START_MS).setNonce(ByteString.copyFrom(new byte[16])).build().toByteArray();
    byte[] noBody = Payload.newBuilder().setSenderPeerId(ByteString.copyFrom(alice.peerId().bytes()))
        .setTimestampMs(START_MS).setNonce(ByteString.copyFrom(new byte[16])).build().toByteArray();

    assertRequestReject(forged, ControlMethod.SHUFFLE, RejectReason.BAD_SIGNATURE);
    assertRequestReject(signRaw(alice, Envelopes.MESSAGE_DOMAIN_BYTES, otherSender).toByteArray(),
        ControlMethod.SHUFFLE, RejectReason.SENDER_MISMATCH);
    assertRequestReject(signRaw(alice, Envelopes.MESSAGE_DOMAIN_BYTES, noBody).toByteArray(),
        ControlMethod.SHUFFLE, RejectReason.MISSING_BODY);
    assertRequestReject(new byte[0], ControlMethod.SHUFFLE, RejectReason.BAD_PUBLIC_KEY);
  }

  @Test
  void theBodyIsCheckedAgainstTheMethodBeforeTheTimestamp() {
    byte[] old = sealer.seal(query("a")).toByteArray();
    time.advance(EnvelopeOpener.DEFAULT_MAX_CLOCK_SKEW.plusMillis(1));

    assertRequestReject(old, ControlMethod.GET_MANIFEST, RejectReason.WRONG_METHOD);
    assertRequestReject(old, ControlMethod.SEARCH, RejectReason.STALE);
  }

  @Test
  void dropsBytesThatAreNotAnEnvelope() {
    assertReject(new byte[] {(byte) 0x0A, (byte) 0xFF}, RejectReason.MALFORMED_ENVELOPE);
  }

  @Test
  void domainSeparationKeepsPeerRecordsAndMessagesApart() {
    // A peer record is a valid signature by Alice, but over the peer-record domain.
    Envelope record = sealer.sealRecord(record(1, START_MS + 60_000));
    Envelope message = sealer.seal(query("a"));

    assertReject(record.toByteArray(), RejectReason.BAD_SIGNATURE);
    assertThatThrownBy(() -> opener.openRecord(message))
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(RejectReason.BAD_SIGNATURE));
  }

  @Test
  void fullReplayMemoryRaisesTheFloorInsteadOfForgettingSilently() throws EnvelopeException {
    EnvelopeOpener tiny = EnvelopeOpener.builder().clock(clock).replayMemory(2).build();
    byte[] first = sealer.seal(query("1")).toByteArray();
    time.advance(Duration.ofMillis(1));
    byte[] second = sealer.seal(query("2")).toByteArray();
    time.advance(Duration.ofMillis(1));
    byte[] third = sealer.seal(query("3")).toByteArray();
    tiny.open(first);
    tiny.open(second);
    tiny.open(third); // forgets the first, whose timestamp becomes the floor

    assertThatThrownBy(() -> tiny.open(first))
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(RejectReason.STALE));
    assertThatThrownBy(() -> tiny.open(third))
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(RejectReason.REPLAYED));
  }

  @Test
  void replayMemoryForgetsPairsOnceTheyLeaveTheSkewWindow() throws EnvelopeException {
    for (int i = 0; i < 50; i++) {
      opener.open(sealer.seal(query("q" + i)).toByteArray());
    }
    time.advance(EnvelopeOpener.DEFAULT_MAX_CLOCK_SKEW.plusSeconds(1));
    opener.open(sealer.seal(query("later")).toByteArray());

    assertThat(replayMemorySize(opener)).isEqualTo(1);
  }

  @Test
  void keyCacheStaysWithinItsBound() throws Exception {
    for (int i = 0; i < EnvelopeOpener.KEY_CACHE_SIZE + 20; i++) {
      opener.open(new EnvelopeSealer(Identity.generate(), clock, new Random(i)).seal(query("q"))
          .toByteArray());
    }
    var field = EnvelopeOpener.class.getDeclaredField("keyCache");
    field.setAccessible(true);

    assertThat((java.util.Map<?, ?>) field.get(opener)).hasSize(EnvelopeOpener.KEY_CACHE_SIZE);
  }

  @Test
  void opensRelayedPeerRecord() throws EnvelopeException {
    Envelope envelope = sealer.sealRecord(record(7, START_MS + 3_600_000));

    SignedPeerRecord record = opener.openRecord(envelope);

    assertThat(record.peerId()).isEqualTo(alice.peerId());
    assertThat(record.record().getSequence()).isEqualTo(7);
    assertThat(record.envelope()).isEqualTo(envelope);
    // Records carry no nonce: the same record may arrive again through other peers.
    assertThat(opener.openRecord(envelope).peerId()).isEqualTo(alice.peerId());
  }

  @Test
  void aRecordVerifiedOnceIsStillRefusedOnceItExpires() throws Exception {
    Envelope envelope = sealer.sealRecord(record(3, START_MS + 60_000));
    SignedPeerRecord first = opener.openRecord(envelope);
    // The same bytes again come from the cache of verified records: the very same object.
    assertThat(opener.openRecord(Envelope.parseFrom(envelope.toByteArray()))).isSameAs(first);

    time.advance(Duration.ofSeconds(60));
    assertRecordReject(envelope, RejectReason.STALE);
  }

  @Test
  void openersSharingACacheShareVerifiedRecordsButNotReplayMemory() throws Exception {
    EnvelopeOpener.Cache shared = new EnvelopeOpener.Cache(16, 16);
    EnvelopeOpener a = EnvelopeOpener.builder().clock(clock).cache(shared).build();
    EnvelopeOpener b = EnvelopeOpener.builder().clock(clock).cache(shared).build();
    Envelope record = sealer.sealRecord(record(3, START_MS + 60_000));
    assertThat(b.openRecord(record)).isSameAs(a.openRecord(record));

    byte[] wire = sealer.seal(query("bach")).toByteArray();
    a.open(wire);
    b.open(wire); // another peer hears the same bytes for the first time
    assertThatThrownBy(() -> a.open(wire)).isInstanceOf(EnvelopeException.class)
        .extracting(e -> ((EnvelopeException) e).reason()).isEqualTo(RejectReason.REPLAYED);
  }

  @Test
  void aForgedRecordIsRefusedEvenAfterTheGenuineOneWasCached() throws EnvelopeException {
    Envelope genuine = sealer.sealRecord(record(3, START_MS + 60_000));
    opener.openRecord(genuine);
    byte[] sig = genuine.getSignature().toByteArray();
    sig[10] ^= 1;
    Envelope forged = genuine.toBuilder().setSignature(ByteString.copyFrom(sig)).build();
    assertRecordReject(forged, RejectReason.BAD_SIGNATURE);
  }

  @Test
  void refusesExpiredImmortalOversizedAndMalformedRecords() {
    assertRecordReject(sealer.sealRecord(record(1, START_MS)), RejectReason.STALE);
    assertRecordReject(sealer.sealRecord(record(1, START_MS + Duration.ofDays(2).toMillis())),
        RejectReason.FROM_FUTURE);
    PeerRecord.Builder many = record(1, START_MS + 60_000).toBuilder();
    for (int i = 0; i < EnvelopeOpener.MAX_RECORD_ENDPOINTS; i++) {
      many.addEndpoints(many.getEndpoints(0));
    }
    assertRecordReject(sealer.sealRecord(many.build()), RejectReason.MALFORMED_PAYLOAD);
    PeerRecord badIp = record(1, START_MS + 60_000).toBuilder()
        .setEndpoints(0, Endpoint.newBuilder().setIp(ByteString.copyFrom(new byte[5])).setPort(9))
        .build();
    assertRecordReject(sealer.sealRecord(badIp), RejectReason.MALFORMED_PAYLOAD);
    PeerRecord huge = record(1, START_MS + 60_000).toBuilder()
        .setEndpoints(0, Endpoint.newBuilder().setIp(ByteString.copyFrom(new byte[4])).setPort(9)
            .setTransportValue(1 << 30))
        .build();
    byte[] bigPayload = PeerRecordPayload.newBuilder()
        .setPeerId(ByteString.copyFrom(alice.peerId().bytes())).setRecord(huge).build().toByteArray();
    byte[] padded = java.util.Arrays.copyOf(bigPayload, bigPayload.length + 2000);
    assertRecordReject(signRaw(alice, Envelopes.PEER_RECORD_DOMAIN_BYTES, padded),
        RejectReason.TOO_LARGE);
  }

  @Test
  void recordSignedByAnotherPeerIsRefused() {
    byte[] payload = PeerRecordPayload.newBuilder()
        .setPeerId(ByteString.copyFrom(alice.peerId().bytes()))
        .setRecord(record(9, START_MS + 60_000)).build().toByteArray();

    assertRecordReject(signRaw(mallory, Envelopes.PEER_RECORD_DOMAIN_BYTES, payload),
        RejectReason.SENDER_MISMATCH);
  }

  @Test
  void sealerRefusesMessageWithoutBody() {
    assertThatThrownBy(() -> sealer.seal(Payload.newBuilder()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(sealer.seal(Payload.newBuilder()
        .setManifestRequest(ManifestRequest.newBuilder().setTrackId(ByteString.copyFrom(new byte[32]))))
        .getSignature().size()).isEqualTo(64);
  }

  private PeerRecord record(long sequence, long expiresAtMs) {
    return PeerRecord.newBuilder()
        .setSequence(sequence)
        .setExpiresAtMs(expiresAtMs)
        .setRole(Role.ROLE_FULL)
        .addEndpoints(Endpoint.newBuilder().setTransport(TransportKind.TRANSPORT_KIND_GRPC)
            .setIp(ByteString.copyFrom(new byte[] {127, 0, 0, 1})).setPort(7070))
        .build();
  }

  static Envelope signRaw(Identity signer, byte[] domain, byte[] payload) {
    return Envelope.newBuilder()
        .setPayload(ByteString.copyFrom(payload))
        .setSignerPublicKey(ByteString.copyFrom(signer.publicKey()))
        .setSignature(ByteString.copyFrom(signer.signDigest(EnvelopeSealer.digest(domain, payload))))
        .build();
  }

  private void assertReject(byte[] wire, RejectReason reason) {
    long before = opener.rejections(reason);
    assertThatThrownBy(() -> opener.open(wire))
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(reason));
    assertThat(opener.rejections(reason)).isEqualTo(before + 1);
  }

  private void assertRequestReject(byte[] wire, ControlMethod method, RejectReason reason) {
    assertThatThrownBy(() -> opener.openRequest(wire, method))
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(reason))
        .hasMessageStartingWith(reason + ": ");
  }

  private void assertRecordReject(Envelope envelope, RejectReason reason) {
    assertThatThrownBy(() -> opener.openRecord(envelope))
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(reason));
  }

  private static int replayMemorySize(EnvelopeOpener opener) {
    try {
      var field = EnvelopeOpener.class.getDeclaredField("replayGuard");
      field.setAccessible(true);
      return ((ReplayGuard) field.get(opener)).size();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
