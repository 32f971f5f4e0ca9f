package io.loudp2p.core.network;

import com.google.protobuf.ByteString;
import io.loudp2p.PeerId;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.TransportKind;

/** Unsigned records for engine tests (the engines trust their callers to have checked them). */
final class Records {
  static final long NOW = 1_790_000_000_000L;

  private Records() {}

  static PeerId id(int n) {
    byte[] b = new byte[PeerId.LENGTH];
    b[0] = (byte) PeerId.VERSION;
    b[1] = (byte) (n >>> 8);
    b[2] = (byte) n;
    return PeerId.fromBytes(b);
  }

  static NodeRecord full(int n, int a, int b, int c, long sequence) {
    return record(n, new byte[] {(byte) a, (byte) b, (byte) c, 1}, sequence,
        io.loudp2p.core.proto.v1.Role.ROLE_FULL, NOW + 3_600_000);
  }

  static NodeRecord record(int n, byte[] ip, long sequence, io.loudp2p.core.proto.v1.Role role,
      long expiresAtMs) {
    PeerRecord r = PeerRecord.newBuilder().setSequence(sequence).setExpiresAtMs(expiresAtMs)
        .setRole(role).addEndpoints(Endpoint.newBuilder()
            .setTransport(TransportKind.TRANSPORT_KIND_GRPC).setIp(ByteString.copyFrom(ip))
            .setPort(7070)).build();
    return new NodeRecord(id(n), r, Envelope.getDefaultInstance());
  }

  /** A FULL peer in its own /24. */
  static NodeRecord full(int n) {
    return full(n, 10, n >>> 8, n & 0xff, 1);
  }
}
