package io.loudp2p.core.wire;

import io.loudp2p.PeerId;
import io.loudp2p.core.proto.v1.Payload;

/**
 * A direct message whose envelope checked out: signature, sender, freshness and uniqueness.
 *
 * <p>Immutable.
 */
public final class SignedMessage {
  private final PeerId sender;
  private final byte[] senderPublicKey;
  private final Payload payload;

  SignedMessage(PeerId sender, byte[] senderPublicKey, Payload payload) {
    this.sender = sender;
    this.senderPublicKey = senderPublicKey;
    this.payload = payload;
  }

  /** The verified sender. */
  public PeerId sender() {
    return sender;
  }

  /** The sender's 33-byte compressed public key. A new copy. */
  public byte[] senderPublicKey() {
    return senderPublicKey.clone();
  }

  /** The parsed payload; its body is set. */
  public Payload payload() {
    return payload;
  }

  @Override
  public String toString() {
    return "SignedMessage{" + sender + ", " + payload.getBodyCase() + "}";
  }
}
