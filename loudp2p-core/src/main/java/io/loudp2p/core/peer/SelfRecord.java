package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import io.loudp2p.Role;
import io.loudp2p.core.internal.LocalAddresses;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.EnvelopeOpener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * This peer's own signed record: where it listens, its role, a sequence number that grows with
 * every new signing, and when it expires. Owns the listening addresses and the record; thread-safe.
 */
final class SelfRecord {
  /** How long this peer's record says it stays valid; it is re-signed at half that. */
  static final Duration RECORD_LIFETIME = Duration.ofHours(1);

  private final PeerContext ctx;
  private final List<InetSocketAddress> listening = new CopyOnWriteArrayList<>();
  private volatile @Nullable Envelope record;
  private long sequence;

  SelfRecord(PeerContext ctx) {
    this.ctx = ctx;
  }

  /** Adds a control address this peer listens at, announced from the next signing on. */
  void listeningAt(InetSocketAddress address) {
    listening.add(address);
  }

  List<InetSocketAddress> listening() {
    return List.copyOf(listening);
  }

  /** The record as last signed. */
  Envelope current() {
    Envelope r = record;
    if (r == null) {
      throw new IllegalStateException("the record is not signed yet");
    }
    return r;
  }

  /** Signs a new record with this role and the addresses listened at now. */
  synchronized void resign(Role role) {
    long now = ctx.nowMs();
    // Wall-clock milliseconds, so that a restarted peer's record outranks the one it had before.
    sequence = Math.max(sequence + 1, now);
    PeerRecord.Builder r = PeerRecord.newBuilder()
        .setSequence(sequence)
        .setExpiresAtMs(now + RECORD_LIFETIME.toMillis())
        .setRole(role == Role.FULL ? io.loudp2p.core.proto.v1.Role.ROLE_FULL
            : io.loudp2p.core.proto.v1.Role.ROLE_LIGHT);
    for (InetSocketAddress a : listening) {
      // A wildcard listener is announced at this machine's addresses, which others can dial.
      for (InetSocketAddress at : LocalAddresses.reachableAs(a,
          EnvelopeOpener.MAX_RECORD_ENDPOINTS - r.getEndpointsCount())) {
        r.addEndpoints(endpoint(TransportKind.TRANSPORT_KIND_GRPC, at));
      }
    }
    record = ctx.sealer.sealRecord(r.build());
  }

  static Endpoint endpoint(TransportKind kind, InetSocketAddress a) {
    return endpoint(kind.getNumber(), a);
  }

  /** An endpoint of the transport numbered {@code kind} on the wire. */
  static Endpoint endpoint(int kind, InetSocketAddress a) {
    return Endpoint.newBuilder().setTransportValue(kind)
        .setIp(ByteString.copyFrom(a.getAddress().getAddress())).setPort(a.getPort()).build();
  }
}
