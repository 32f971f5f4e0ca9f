package io.loudp2p.transport.grpc.internal;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the relay services of one transport's servers did (PROTOCOL.md section 10), as {@link
 * io.loudp2p.spi.ControlTransport#relayCounts()} tells it: reservations held now, connections
 * relayed, bytes relayed both ways, and reservations and connections refused past a limit.
 * Thread-safe.
 */
final class RelayCounters {
  /** The keys of {@link #snapshot()}. */
  static final String RESERVATIONS = "reservations";
  static final String CONNECTIONS = "connections";
  static final String BYTES = "bytes";
  static final String REFUSED = "refused";

  private final List<RelayService> services = new CopyOnWriteArrayList<>();
  private final LongAdder connections = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder refused = new LongAdder();

  /** Counts the reservations {@code service} holds too. */
  void add(RelayService service) {
    services.add(service);
  }

  void connection() {
    connections.increment();
  }

  void bytes(int n) {
    bytes.add(n);
  }

  void refusal() {
    refused.increment();
  }

  /** Every key, zero until its first count. */
  Map<String, Long> snapshot() {
    long held = 0;
    for (RelayService s : services) {
      held += s.reservations();
    }
    Map<String, Long> out = new TreeMap<>();
    out.put(RESERVATIONS, held);
    out.put(CONNECTIONS, connections.sum());
    out.put(BYTES, bytes.sum());
    out.put(REFUSED, refused.sum());
    return out;
  }
}
