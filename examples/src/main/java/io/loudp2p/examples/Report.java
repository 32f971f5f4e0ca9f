package io.loudp2p.examples;

import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.StreamStats;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Prints what a stream session did: per source, and in total. */
final class Report {
  private Report() {}

  static void session(PrintWriter out, StreamSession session, Duration elapsed) {
    session(out, session, elapsed, Map.of());
  }

  /** {@code names} gives a short name to peers that have one (the demo's). */
  static void session(PrintWriter out, StreamSession session, Duration elapsed, Map<PeerId, String> names) {
    try {
      // The last chunk's counters are settled once the session saw it complete.
      session.completion().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closed or failed: report what there is
    }
    StreamStats st = session.stats();
    List<List<String>> rows = new ArrayList<>();
    for (SourceStats s : session.sources()) {
      String id = s.peer().toString();
      rows.add(List.of(names.getOrDefault(s.peer(), id.substring(0, 12) + "…"),
          s.transport().isEmpty() ? "-" : s.transport(), Text.bytes(s.bytes()),
          String.valueOf(s.chunks()), String.valueOf(s.badChunks()),
          s.roundTrip().isZero() ? "-" : Text.millis(s.roundTrip()),
          s.active() ? "yes" : "dropped"));
    }
    Text.table(out, List.of("SOURCE", "VIA", "BYTES", "CHUNKS", "BAD", "RTT", "ACTIVE"), rows);
    double seconds = Math.max(1e-9, elapsed.toNanos() / 1e9);
    out.println(String.format(Locale.ROOT,
        "time to first byte %s, stalls %d (%s stalled), %s in %.2f s = %s/s, redundant %s",
        st.timeToFirstByte() == null ? "-" : Text.millis(st.timeToFirstByte()), st.stalls(),
        Text.millis(st.stalledTime()), Text.bytes(st.verifiedBytes()), seconds,
        Text.bytes((long) (st.verifiedBytes() / seconds)), Text.bytes(st.redundantBytes())));
    out.flush();
  }
}
