package io.loudp2p.core.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.PublicKey;
import io.loudp2p.core.internal.LruMap;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.PeerRecordPayload;
import io.loudp2p.spi.ControlMethod;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Checks received envelopes and hands out only what checked out.
 *
 * <p>In order: the size limit; the envelope's structure; the signer's key; the signature over
 * {@code SHA-256(domain || payload bytes as received)}; only then is the payload parsed (its nonce
 * must have 16 bytes), and its sender must be the peer ID of the signing key; it must carry a
 * body, the one of the method it was sent to when it is a request; then the timestamp must be
 * within the allowed clock skew and the (sender, nonce) pair new. The first rule that fails rejects the envelope with
 * an {@link EnvelopeException} carrying a {@link RejectReason}, and is counted.
 *
 * <p>Thread-safe; one opener per peer, shared by every connection, so that replays are caught
 * whichever connection they come in on.
 */
public final class EnvelopeOpener {
  /** Default largest envelope accepted: 1 MiB. */
  public static final int DEFAULT_MAX_ENVELOPE_BYTES = 1 << 20;

  /** Default largest difference between a message's timestamp and this peer's clock. */
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(2);

  /** Default number of (sender, nonce) pairs remembered to catch replays. */
  public static final int DEFAULT_REPLAY_MEMORY = 100_000;

  /** Largest signed peer record accepted; records are relayed many times and must stay small. */
  public static final int MAX_PEER_RECORD_BYTES = 1024;

  /** Longest a peer record may claim to stay valid, counted from now. */
  public static final Duration MAX_PEER_RECORD_LIFETIME = Duration.ofDays(1);

  /** Most endpoints a peer record may list. */
  public static final int MAX_RECORD_ENDPOINTS = 8;

  /**
   * Decoded public keys kept, least recently used first out. Decompressing a key costs a modular
   * square root, a sixth of a verification; a peer hears mostly from a bounded set of neighbours.
   */
  public static final int KEY_CACHE_SIZE = 4096;

  /**
   * Peer records whose signatures checked out, kept by their exact bytes, least recently used
   * first out. Records are relayed over and over (every shuffle, exchange and search hit carries
   * some), and the same bytes verify the same way every time; their expiry is checked at every use.
   */
  public static final int RECORD_CACHE_SIZE = 4096;

  private final int maxEnvelopeBytes;
  private final long maxSkewMs;
  private final Clock clock;
  private final ReplayGuard replayGuard;
  private final Map<RejectReason, LongAdder> rejections = new EnumMap<>(RejectReason.class);
  private final Map<ByteString, PublicKey> keyCache;
  private final Map<Envelope, SignedPeerRecord> recordCache;

  private EnvelopeOpener(Builder builder) {
    this.maxEnvelopeBytes = builder.maxEnvelopeBytes;
    this.maxSkewMs = builder.maxClockSkew.toMillis();
    this.clock = builder.clock;
    this.replayGuard = new ReplayGuard(builder.replayMemory);
    Cache cache = builder.cache != null ? builder.cache : new Cache(KEY_CACHE_SIZE, RECORD_CACHE_SIZE);
    this.keyCache = cache.keys;
    this.recordCache = cache.records;
    for (RejectReason reason : RejectReason.values()) {
      rejections.put(reason, new LongAdder());
    }
  }

  /** An opener with the defaults: 1 MiB, two minutes of skew, 100,000 remembered nonces. */
  public static EnvelopeOpener withDefaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens a direct message from its bytes on the wire.
   *
   * @throws EnvelopeException when any rule fails; nothing of the message is returned then
   */
  public SignedMessage open(byte[] wire) throws EnvelopeException {
    return open(wire, null);
  }

  /**
   * Opens a request sent to {@code method}: the rules of {@link #open(byte[])}, and after the
   * body's presence, that the body is the one {@code method} carries ({@link
   * RejectReason#WRONG_METHOD}); a request refused so uses up nothing of the replay memory.
   *
   * @throws EnvelopeException when any rule fails; nothing of the message is returned then
   */
  public SignedMessage openRequest(byte[] wire, ControlMethod method) throws EnvelopeException {
    return open(wire, method);
  }

  private SignedMessage open(byte[] wire, @Nullable ControlMethod method)
      throws EnvelopeException {
    if (wire.length > maxEnvelopeBytes) {
      throw reject(
          RejectReason.TOO_LARGE, wire.length + " bytes, the limit is " + maxEnvelopeBytes);
    }
    Envelope envelope;
    try {
      envelope = Envelope.parseFrom(wire);
    } catch (InvalidProtocolBufferException e) {
      throw reject(RejectReason.MALFORMED_ENVELOPE, "not an Envelope: " + e.getMessage());
    }
    return open(envelope, method);
  }

  /**
   * Opens a direct message already parsed as an {@link Envelope} (by a transport that limits
   * message sizes itself).
   *
   * @throws EnvelopeException when any rule fails; nothing of the message is returned then
   */
  public SignedMessage open(Envelope envelope) throws EnvelopeException {
    return open(envelope, null);
  }

  private SignedMessage open(Envelope envelope, @Nullable ControlMethod method)
      throws EnvelopeException {
    int size = envelope.getSerializedSize();
    if (size > maxEnvelopeBytes) {
      throw reject(RejectReason.TOO_LARGE, size + " bytes, the limit is " + maxEnvelopeBytes);
    }
    PublicKey key = verify(envelope, Envelopes.MESSAGE_DOMAIN_BYTES);
    Payload payload;
    try {
      payload = Payload.parseFrom(envelope.getPayload());
    } catch (InvalidProtocolBufferException e) {
      throw reject(RejectReason.MALFORMED_PAYLOAD, "not a Payload: " + e.getMessage());
    }
    if (payload.getNonce().size() != Envelopes.NONCE_LENGTH) {
      throw reject(
          RejectReason.MALFORMED_PAYLOAD,
          "nonce has " + payload.getNonce().size() + " bytes, expected " + Envelopes.NONCE_LENGTH);
    }
    PeerId sender = checkSender(key, payload.getSenderPeerId());
    if (payload.getBodyCase() == Payload.BodyCase.BODY_NOT_SET) {
      throw reject(RejectReason.MISSING_BODY, "the payload carries no known message");
    }
    if (method != null && payload.getBodyCase() != MethodBodies.request(method)) {
      throw reject(RejectReason.WRONG_METHOD, method.wireName() + " carries "
          + MethodBodies.request(method).name().toLowerCase(Locale.ROOT) + ", not "
          + payload.getBodyCase().name().toLowerCase(Locale.ROOT));
    }
    long now = clock.millis();
    long timestamp = payload.getTimestampMs();
    if (timestamp < 0 || timestamp < now - maxSkewMs) {
      throw reject(
          RejectReason.STALE, "timestamp " + timestamp + " is more than " + maxSkewMs
              + " ms before now (" + now + ")");
    }
    if (timestamp > now + maxSkewMs) {
      throw reject(
          RejectReason.FROM_FUTURE, "timestamp " + timestamp + " is more than " + maxSkewMs
              + " ms after now (" + now + ")");
    }
    switch (replayGuard.check(
        payload.getSenderPeerId().toByteArray(),
        payload.getNonce().toByteArray(),
        timestamp,
        now - maxSkewMs)) {
      case REPLAYED:
        throw reject(RejectReason.REPLAYED, "nonce already seen from " + sender);
      case BELOW_FLOOR:
        throw reject(
            RejectReason.STALE,
            "timestamp " + timestamp + " is older than what the replay memory still covers");
      case ACCEPTED:
      default:
        break;
    }
    return new SignedMessage(sender, key.encoded(), payload);
  }

  /**
   * Opens a peer record relayed by anyone: checks its signature by the peer it describes, its
   * size, its expiry and its endpoints. Peer records carry no nonce; which of two records of the
   * same peer wins is the sequence number's business, decided by the peer table.
   *
   * @throws EnvelopeException when any rule fails
   */
  public SignedPeerRecord openRecord(Envelope envelope) throws EnvelopeException {
    int size = envelope.getSerializedSize();
    if (size > MAX_PEER_RECORD_BYTES) {
      throw reject(
          RejectReason.TOO_LARGE, "peer record of " + size + " bytes, the limit is "
              + MAX_PEER_RECORD_BYTES);
    }
    SignedPeerRecord verified;
    synchronized (recordCache) {
      verified = recordCache.get(envelope);
    }
    if (verified == null) {
      verified = verifyRecord(envelope);
      synchronized (recordCache) {
        recordCache.put(envelope, verified);
      }
    }
    checkRecordTimes(verified);
    return verified;
  }

  /** Checks a record's signature, signer and structure: what never changes for the same bytes. */
  private SignedPeerRecord verifyRecord(Envelope envelope) throws EnvelopeException {
    PublicKey key = verify(envelope, Envelopes.PEER_RECORD_DOMAIN_BYTES);
    PeerRecordPayload payload;
    try {
      payload = PeerRecordPayload.parseFrom(envelope.getPayload());
    } catch (InvalidProtocolBufferException e) {
      throw reject(RejectReason.MALFORMED_PAYLOAD, "not a PeerRecordPayload: " + e.getMessage());
    }
    PeerId peerId = checkSender(key, payload.getPeerId());
    if (!payload.hasRecord()) {
      throw reject(RejectReason.MISSING_BODY, "the peer record payload has no record");
    }
    PeerRecord record = payload.getRecord();
    if (record.getEndpointsCount() > MAX_RECORD_ENDPOINTS) {
      throw reject(RejectReason.MALFORMED_PAYLOAD, "peer record lists "
          + record.getEndpointsCount() + " endpoints, at most " + MAX_RECORD_ENDPOINTS);
    }
    for (var endpoint : record.getEndpointsList()) {
      int ipLength = endpoint.getIp().size();
      if ((ipLength != 4 && ipLength != 16) || endpoint.getPort() < 1 || endpoint.getPort() > 65535) {
        throw reject(RejectReason.MALFORMED_PAYLOAD, "peer record endpoint with a "
            + ipLength + "-byte address and port " + endpoint.getPort());
      }
    }
    return new SignedPeerRecord(peerId, record, envelope);
  }

  /** Checks a verified record's expiry against this opener's clock, at every use. */
  private void checkRecordTimes(SignedPeerRecord verified) throws EnvelopeException {
    PeerId peerId = verified.peerId();
    PeerRecord record = verified.record();
    long now = clock.millis();
    if (record.getExpiresAtMs() <= now) {
      throw reject(RejectReason.STALE, "peer record of " + peerId + " expired at "
          + record.getExpiresAtMs() + " (now " + now + ")");
    }
    if (record.getExpiresAtMs() > now + MAX_PEER_RECORD_LIFETIME.toMillis() + maxSkewMs) {
      throw reject(RejectReason.FROM_FUTURE, "peer record of " + peerId
          + " claims to be valid for longer than " + MAX_PEER_RECORD_LIFETIME);
    }
  }

  /** How many envelopes were rejected for {@code reason} since this opener was made. */
  public long rejections(RejectReason reason) {
    return rejections.get(reason).sum();
  }

  private PublicKey verify(Envelope envelope, byte[] domain) throws EnvelopeException {
    PublicKey key = decodeKey(envelope.getSignerPublicKey());
    ByteString payload = envelope.getPayload();
    byte[] digest = EnvelopeSealer.digest(domain, payload);
    if (!key.verifyDigest(digest, envelope.getSignature().toByteArray())) {
      throw reject(
          RejectReason.BAD_SIGNATURE,
          "the signature does not verify (or is malformed or high-S) for key of " + key.peerId());
    }
    return key;
  }

  private PublicKey decodeKey(ByteString encoded) throws EnvelopeException {
    synchronized (keyCache) {
      PublicKey cached = keyCache.get(encoded);
      if (cached != null) {
        return cached;
      }
    }
    PublicKey key;
    try {
      key = PublicKey.decodeCompressed(encoded.toByteArray());
    } catch (IllegalArgumentException e) {
      throw reject(RejectReason.BAD_PUBLIC_KEY, e.getMessage());
    }
    synchronized (keyCache) {
      keyCache.put(encoded, key);
    }
    return key;
  }

  private PeerId checkSender(PublicKey key, ByteString claimed) throws EnvelopeException {
    PeerId derived = key.peerId();
    if (!derived.matches(claimed.toByteArray())) {
      throw reject(
          RejectReason.SENDER_MISMATCH,
          "the payload names another sender than " + derived + ", whose key signed it");
    }
    return derived;
  }

  private EnvelopeException reject(RejectReason reason, String detail) {
    rejections.get(reason).increment();
    return new EnvelopeException(reason, detail);
  }

  /**
   * What openers remember of what they checked: decoded public keys, and peer records whose
   * signatures verified. Neither depends on who checks, so several openers in one process (several
   * peers, a simulation) may share one; each opener has its own by default. Replay memory is never
   * shared: it belongs to the peer that receives. Thread-safe.
   */
  public static final class Cache {
    final Map<ByteString, PublicKey> keys;
    final Map<Envelope, SignedPeerRecord> records;

    /** A cache of at most {@code keys} decoded keys and {@code records} verified records. */
    public Cache(int keys, int records) {
      this.keys = new LruMap<>(keys);
      this.records = new LruMap<>(records);
    }
  }

  /** Configures an {@link EnvelopeOpener}. Not thread-safe. */
  public static final class Builder {
    private int maxEnvelopeBytes = DEFAULT_MAX_ENVELOPE_BYTES;
    private Duration maxClockSkew = DEFAULT_MAX_CLOCK_SKEW;
    private int replayMemory = DEFAULT_REPLAY_MEMORY;
    private Clock clock = Clock.systemUTC();
    private @Nullable Cache cache;

    private Builder() {}

    /** Shares {@code cache} of decoded keys and verified records (default: a cache of its own). */
    public Builder cache(Cache cache) {
      this.cache = java.util.Objects.requireNonNull(cache, "cache");
      return this;
    }

    /** The largest envelope accepted, in bytes (at least 64). */
    public Builder maxEnvelopeBytes(int bytes) {
      if (bytes < 64) {
        throw new IllegalArgumentException("max envelope size too small: " + bytes);
      }
      this.maxEnvelopeBytes = bytes;
      return this;
    }

    /** How far a message's timestamp may be from this peer's clock, either way. */
    public Builder maxClockSkew(Duration skew) {
      if (skew.isNegative() || skew.isZero()) {
        throw new IllegalArgumentException("clock skew must be positive: " + skew);
      }
      this.maxClockSkew = skew;
      return this;
    }

    /** How many (sender, nonce) pairs to remember; see {@code ReplayGuard}. */
    public Builder replayMemory(int pairs) {
      if (pairs < 1) {
        throw new IllegalArgumentException("replay memory must be positive: " + pairs);
      }
      this.replayMemory = pairs;
      return this;
    }

    /** The clock timestamps are checked against. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** A new opener. */
    public EnvelopeOpener build() {
      return new EnvelopeOpener(this);
    }
  }
}
