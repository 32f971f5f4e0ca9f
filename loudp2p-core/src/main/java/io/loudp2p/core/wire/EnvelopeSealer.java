package io.loudp2p.core.wire;

import com.google.protobuf.ByteString;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.internal.Sha256;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.PeerRecordPayload;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Random;

/**
 * Signs outgoing messages as one identity: fills in sender, timestamp and nonce, serialises the
 * payload once, and signs those exact bytes.
 *
 * <p>Thread-safe.
 */
public final class EnvelopeSealer {
  private final Identity identity;
  private final Clock clock;
  private final Random random;
  private final ByteString sender;
  private final ByteString publicKey;

  /** A sealer with the system clock and a {@link SecureRandom} for nonces. */
  public EnvelopeSealer(Identity identity) {
    this(identity, Clock.systemUTC(), new SecureRandom());
  }

  /** A sealer with the given clock and nonce source (tests pass fixed ones). */
  public EnvelopeSealer(Identity identity, Clock clock, Random random) {
    this.identity = identity;
    this.clock = clock;
    this.random = random;
    this.sender = ByteString.copyFrom(identity.peerId().bytes());
    this.publicKey = ByteString.copyFrom(identity.publicKey());
  }

  /** The identity this sealer signs as. */
  public Identity identity() {
    return identity;
  }

  /**
   * Seals a direct message: sets the sender's peer ID, the current time and a fresh nonce on
   * {@code payload} (whatever it had there is replaced), then signs it.
   *
   * @throws IllegalArgumentException when the payload has no body
   */
  public Envelope seal(Payload.Builder payload) {
    if (payload.getBodyCase() == Payload.BodyCase.BODY_NOT_SET) {
      throw new IllegalArgumentException("a message needs a body");
    }
    byte[] nonce = new byte[Envelopes.NONCE_LENGTH];
    synchronized (random) {
      random.nextBytes(nonce);
    }
    byte[] bytes =
        payload
            .setSenderPeerId(sender)
            .setTimestampMs(clock.millis())
            .setNonce(ByteString.copyFrom(nonce))
            .build()
            .toByteArray();
    return sign(Envelopes.MESSAGE_DOMAIN_BYTES, bytes);
  }

  /** Seals this peer's own record for relaying by others. */
  public Envelope sealRecord(PeerRecord record) {
    byte[] bytes =
        PeerRecordPayload.newBuilder().setPeerId(sender).setRecord(record).build().toByteArray();
    return sign(Envelopes.PEER_RECORD_DOMAIN_BYTES, bytes);
  }

  private Envelope sign(byte[] domain, byte[] payload) {
    byte[] signature = identity.signDigest(digest(domain, payload));
    return Envelope.newBuilder()
        .setPayload(ByteString.copyFrom(payload))
        .setSignerPublicKey(publicKey)
        .setSignature(ByteString.copyFrom(signature))
        .build();
  }

  /** {@code SHA-256(domain || payload)}: what an envelope's signature covers. */
  static byte[] digest(byte[] domain, byte[] payload) {
    MessageDigest sha256 = Sha256.newDigest();
    sha256.update(domain);
    sha256.update(payload);
    return sha256.digest();
  }

  static byte[] digest(byte[] domain, ByteString payload) {
    MessageDigest sha256 = Sha256.newDigest();
    sha256.update(domain);
    sha256.update(payload.asReadOnlyByteBuffer());
    return sha256.digest();
  }

}
