package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import io.loudp2p.PeerId;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.SignedPeerRecord;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A relay a peer is reached through (PROTOCOL.md section 10): the relay's gRPC endpoint and peer
 * ID, as a {@code TRANSPORT_KIND_GRPC_RELAYED} endpoint of the peer's record lists them.
 *
 * @param address the relay's gRPC endpoint
 * @param peer the relay's peer ID
 */
record RelayEndpoint(InetSocketAddress address, PeerId peer) {

  /**
   * The first usable relayed endpoint of {@code record}: an IP of 4 or 16 bytes, a port, and a
   * relay peer ID of 21 bytes that is not the record's own peer; null when it lists none. An
   * unusable one is skipped, not refused: the record's other endpoints still hold.
   */
  static @Nullable RelayEndpoint of(SignedPeerRecord record) {
    return of(record.peerId(), record.record());
  }

  static @Nullable RelayEndpoint of(PeerId owner, PeerRecord record) {
    List<RelayEndpoint> all = all(owner, record);
    return all.isEmpty() ? null : all.get(0);
  }

  /** Every usable relayed endpoint of {@code record}, in its order (see {@link #of}). */
  static List<RelayEndpoint> all(PeerId owner, PeerRecord record) {
    List<RelayEndpoint> out = new ArrayList<>();
    for (Endpoint e : record.getEndpointsList()) {
      if (e.getTransport() != TransportKind.TRANSPORT_KIND_GRPC_RELAYED) {
        continue;
      }
      InetSocketAddress address = PeerTable.address(e);
      if (address == null || e.getPeerId().size() != PeerId.LENGTH) {
        continue;
      }
      try {
        PeerId relay = PeerId.fromBytes(e.getPeerId().toByteArray());
        if (!relay.equals(owner)) {
          out.add(new RelayEndpoint(address, relay));
        }
      } catch (IllegalArgumentException notAPeerId) {
        // skipped, as the comment says
      }
    }
    return out;
  }

  /** This relay as an endpoint of this peer's own record. */
  Endpoint toEndpoint() {
    return SelfRecord.endpoint(TransportKind.TRANSPORT_KIND_GRPC_RELAYED, address).toBuilder()
        .setPeerId(ByteString.copyFrom(peer.bytes())).build();
  }
}
