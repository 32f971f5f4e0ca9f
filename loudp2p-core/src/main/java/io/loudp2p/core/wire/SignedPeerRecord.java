package io.loudp2p.core.wire;

import io.loudp2p.PeerId;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.PeerRecord;

/**
 * A peer record whose signature and peer ID checked out, with the envelope it came in so that it
 * can be relayed byte for byte.
 *
 * <p>Immutable.
 */
public final class SignedPeerRecord {
  private final PeerId peerId;
  private final PeerRecord record;
  private final Envelope envelope;

  SignedPeerRecord(PeerId peerId, PeerRecord record, Envelope envelope) {
    this.peerId = peerId;
    this.record = record;
    this.envelope = envelope;
  }

  /** The peer the record describes (and that signed it). */
  public PeerId peerId() {
    return peerId;
  }

  /** The record. */
  public PeerRecord record() {
    return record;
  }

  /** The envelope as received, to relay unchanged. */
  public Envelope envelope() {
    return envelope;
  }

  @Override
  public String toString() {
    return "SignedPeerRecord{" + peerId + ", seq=" + record.getSequence() + "}";
  }
}
