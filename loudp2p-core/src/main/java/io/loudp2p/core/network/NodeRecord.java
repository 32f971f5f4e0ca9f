package io.loudp2p.core.network;

import com.google.protobuf.InvalidProtocolBufferException;
import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.PeerRecordPayload;
import io.loudp2p.core.wire.SignedPeerRecord;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A peer record as the engines see it: the peer, its record, and the envelope to relay unchanged.
 * Whoever makes one has checked the envelope (the peer checks the signature with the envelope
 * opener; the simulation skips signatures for speed). Immutable.
 *
 * @param id the peer the record describes
 * @param record its record
 * @param envelope the envelope it came in, relayed byte for byte
 */
public record NodeRecord(PeerId id, PeerRecord record, Envelope envelope) {
  /** Checks the parts. */
  public NodeRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(envelope, "envelope");
  }

  /** The engines' view of a record whose signature the opener checked. */
  public static NodeRecord of(SignedPeerRecord signed) {
    return new NodeRecord(signed.peerId(), signed.record(), signed.envelope());
  }

  /**
   * Reads a record envelope without checking its signature: for the simulation only, where
   * envelopes carry no signatures. Returns null when it does not parse.
   */
  public static @Nullable NodeRecord unverified(Envelope envelope) {
    try {
      PeerRecordPayload p = PeerRecordPayload.parseFrom(envelope.getPayload());
      if (p.getPeerId().size() != PeerId.LENGTH || !p.hasRecord()) {
        return null;
      }
      return new NodeRecord(PeerId.fromBytes(p.getPeerId().toByteArray()), p.getRecord(), envelope);
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      return null;
    }
  }

  /** The role the record states; anything but LIGHT counts as FULL. */
  public Role role() {
    return record.getRole() == io.loudp2p.core.proto.v1.Role.ROLE_LIGHT ? Role.LIGHT : Role.FULL;
  }

  /** The record's sequence number. */
  public long sequence() {
    return record.getSequence();
  }

  /** Whether the record may be used at {@code nowMs}: not expired, not from too far ahead. */
  public boolean validAt(long nowMs) {
    long expires = record.getExpiresAtMs();
    return expires > nowMs && expires <= nowMs + PeerSampler.MAX_RECORD_AHEAD_MS;
  }

  /**
   * The address block of the record's first endpoint, for admission caps: the /24 of an IPv4
   * address or the /48 of an IPv6 one, as a number; 0 for a record without endpoints and for
   * loopback addresses (all peers of a test on one host share those).
   */
  public long addressBlock() {
    return addressBlock(record);
  }

  /**
   * The address block of a record's first endpoint: its /24 (IPv4) or /48 (IPv6) with a tag, or 0
   * when it has none or it is a loopback address (exempt from the caps per block).
   */
  public static long addressBlock(io.loudp2p.core.proto.v1.PeerRecord record) {
    return record.getEndpointsCount() == 0 ? 0 : addressBlock(record.getEndpoints(0).getIp());
  }

  /**
   * The address block of an IP address (4 or 16 bytes): its /24 or /48 with a tag, or 0 for a
   * loopback address or another length.
   */
  public static long addressBlock(com.google.protobuf.ByteString ip) {
    if (ip.size() == 4) {
      if (ip.byteAt(0) == 127) {
        return 0;
      }
      return (1L << 56) | prefix(ip, 3);
    }
    if (ip.size() == 16) {
      boolean loopback = ip.byteAt(15) == 1;
      for (int i = 0; i < 15 && loopback; i++) {
        loopback = ip.byteAt(i) == 0;
      }
      return loopback ? 0 : (2L << 56) | prefix(ip, 6);
    }
    return 0;
  }

  private static long prefix(com.google.protobuf.ByteString ip, int bytes) {
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v = (v << 8) | (ip.byteAt(i) & 0xff);
    }
    return v;
  }
}
