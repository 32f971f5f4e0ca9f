package io.loudp2p.core.peer;

import io.loudp2p.PeerMetrics;
import io.loudp2p.core.wire.RejectReason;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** A peer's {@link PeerMetrics}, read from the parts that count. */
final class PeerCounts {
  private PeerCounts() {}

  /**
   * What the parts of a started peer counted so far. Every key the peer can count is there from
   * the start, zero until its first count: an exporter then sees a fixed set of series once the
   * peer started, none appearing later.
   */
  static PeerMetrics snapshot(PeerContext c, PeerStore store, StreamOpener opener,
      @Nullable PeerTransports transports, @Nullable StreamServer server) {
    Map<String, Long> rejected = new TreeMap<>();
    for (RejectReason reason : RejectReason.values()) {
      rejected.put(reason.name(), c.opener.rejections(reason));
    }
    Map<String, Long> dropped = new TreeMap<>();
    Map<String, Long> relay = transports == null ? Map.of() : transports.control.relayCounts();
    Map<String, Long> sent = c.counters.sent();
    Map<String, Long> received = opener.received();
    received.putIfAbsent(LocalSource.TRANSPORT, 0L);
    if (transports != null) {
      for (PeerTransports.Data d : transports.data) {
        d.transport.dropCounts().forEach((reason, n) -> dropped.put(d.name + "/" + reason, n));
        sent.putIfAbsent(d.name, 0L);
        received.putIfAbsent(d.name, 0L);
      }
    }
    return new PeerMetrics(store.table().size(), c.counters.sessionsServed.sum(),
        server == null ? 0 : server.streaming(), c.counters.sessionsPlayed.sum(),
        sent, received, c.counters.searchesAnswered.sum(),
        c.counters.searchesForwarded.sum(), rejected, dropped, relay);
  }
}
