package io.loudp2p;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a peer has done since it started, at one moment: a snapshot from {@link Peer#metrics()},
 * for a status line, a dashboard or an app's own metrics pipeline. Counts only grow, but for the
 * gauges ({@code peersKnown}, {@code sessionsServing}, {@code relay}'s {@code reservations}). Maps
 * are sorted by key and unmodifiable; each holds every key the peer can count from the moment it
 * started, zero until the first count, so that a metrics pipeline sees the same set of series in
 * every snapshot.
 *
 * @param peersKnown peers in this peer's table now
 * @param sessionsServed stream sessions this peer accepted to serve
 * @param sessionsServing of those, the ones it streams now
 * @param sessionsPlayed stream sessions this peer started to play
 * @param bytesSent chunk bytes this peer read for the sessions it serves, by data transport
 *     ({@code "udp"}, {@code "grpc"})
 * @param bytesReceived verified chunk bytes its stream sessions took in, by the transport of their
 *     source ({@code "local"} for its own disk copy, {@code "grpc-relayed"} for chunk streams
 *     through a relay)
 * @param searchesAnswered searches from other peers this peer answered
 * @param searchesForwarded queries of others this peer routed on to its neighbours
 * @param envelopesRejected signed messages refused, by the rule they broke (PROTOCOL.md section
 *     2), such as {@code BAD_SIGNATURE} or {@code REPLAYED}
 * @param datagramsDropped datagrams the data transports dropped, by {@code transport/REASON}, such
 *     as {@code udp/FAILED_TO_OPEN}
 * @param relay what this peer's relay service did for peers behind NATs (PROTOCOL.md section 10):
 *     {@code reservations} held now (a gauge), {@code connections} relayed, {@code bytes} relayed
 *     (both ways together), reservations and connections {@code refused} past a limit; empty when
 *     its transports relay nothing
 */
public record PeerMetrics(int peersKnown, long sessionsServed, int sessionsServing,
    long sessionsPlayed, Map<String, Long> bytesSent, Map<String, Long> bytesReceived,
    long searchesAnswered, long searchesForwarded, Map<String, Long> envelopesRejected,
    Map<String, Long> datagramsDropped, Map<String, Long> relay) {
  /** Checks the parts and copies the maps, sorted. */
  public PeerMetrics {
    bytesSent = sorted(bytesSent, "bytesSent");
    bytesReceived = sorted(bytesReceived, "bytesReceived");
    envelopesRejected = sorted(envelopesRejected, "envelopesRejected");
    datagramsDropped = sorted(datagramsDropped, "datagramsDropped");
    relay = sorted(relay, "relay");
  }

  /** Metrics of a peer whose transports relay nothing. */
  public PeerMetrics(int peersKnown, long sessionsServed, int sessionsServing,
      long sessionsPlayed, Map<String, Long> bytesSent, Map<String, Long> bytesReceived,
      long searchesAnswered, long searchesForwarded, Map<String, Long> envelopesRejected,
      Map<String, Long> datagramsDropped) {
    this(peersKnown, sessionsServed, sessionsServing, sessionsPlayed, bytesSent, bytesReceived,
        searchesAnswered, searchesForwarded, envelopesRejected, datagramsDropped, Map.of());
  }

  private static Map<String, Long> sorted(Map<String, Long> m, String name) {
    return java.util.Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(m, name)));
  }

  /** The sum of a map's values: all bytes sent, say. */
  public static long total(Map<String, Long> counts) {
    long t = 0;
    for (long v : counts.values()) {
      t += v;
    }
    return t;
  }
}
