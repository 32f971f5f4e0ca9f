package io.loudp2p.core.peer;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts behind {@link io.loudp2p.Peer#metrics()} that the parts of a peer add to as they
 * work: searches answered and routed on, sessions served and played, chunk bytes by transport.
 * Each part writes only its own counts; anyone reads. Thread-safe.
 */
final class PeerCounters {
  /** Searches from others answered (QueryForwarder). */
  final LongAdder searchesAnswered = new LongAdder();
  /** Queries of others routed on to a neighbour (QueryForwarder). */
  final LongAdder searchesForwarded = new LongAdder();
  /** Stream sessions accepted to serve (StreamServer). */
  final LongAdder sessionsServed = new LongAdder();
  /** Stream sessions started to play (StreamOpener). */
  final LongAdder sessionsPlayed = new LongAdder();
  private final Map<String, LongAdder> bytesSent = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> bytesReceived = new ConcurrentHashMap<>();

  /** {@code bytes} of chunks read to send over {@code transport} (StreamServer). */
  void sent(String transport, long bytes) {
    bytesSent.computeIfAbsent(transport, t -> new LongAdder()).add(bytes);
  }

  /** {@code bytes} of verified chunks a session that ended took in over {@code transport}. */
  void received(String transport, long bytes) {
    bytesReceived.computeIfAbsent(transport, t -> new LongAdder()).add(bytes);
  }

  /** Bytes sent by transport. */
  Map<String, Long> sent() {
    return snapshot(bytesSent);
  }

  /** Bytes received by sessions that ended, by transport. */
  Map<String, Long> received() {
    return snapshot(bytesReceived);
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
