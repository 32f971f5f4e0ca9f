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
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/** Prints what a stream session did: per source, and in total. */
final class Report {
  private Report() {}

  /** How the session's reader took the bytes. */
  enum Reader {
    /** At playback pace: waiting for bytes is a stall the listener hears. */
    PACED,
    /** As fast as the bytes came (a download): waiting for bytes is only the network's pace. */
    UNPACED
  }

  /**
   * Times a session: from when it was asked for, to when every byte had been fetched, and to when
   * its reader finished. Thread-safe.
   */
  static final class Clock {
    private static final long NOT_YET = Long.MIN_VALUE;
    private final long startNs = System.nanoTime();
    private final AtomicLong fetchedNs = new AtomicLong(NOT_YET);
    private final AtomicLong readNs = new AtomicLong(NOT_YET);

    /** Notes when {@code session} has fetched every byte. */
    void watch(StreamSession session) {
      session.completion().thenRun(() -> fetchedNs.compareAndSet(NOT_YET, System.nanoTime()));
    }

    /** Notes that the reader is done. */
    void readerDone() {
      readNs.compareAndSet(NOT_YET, System.nanoTime());
    }

    /** From the start until every byte was fetched; null when that has not happened. */
    @Nullable Duration fetchTime() {
      long t = fetchedNs.get();
      return t == NOT_YET ? null : Duration.ofNanos(t - startNs);
    }

    /** From the start until the reader was done (or until now). */
    Duration readTime() {
      long t = readNs.get();
      return Duration.ofNanos((t == NOT_YET ? System.nanoTime() : t) - startNs);
    }
  }

  static void session(PrintWriter out, StreamSession session, Clock clock, Reader reader) {
    session(out, session, clock, reader, Map.of());
  }

  /** {@code names} gives a short name to peers that have one (the demo's). */
  static void session(PrintWriter out, StreamSession session, Clock clock, Reader reader,
      Map<PeerId, String> names) {
    try {
      // The last chunk's counters are settled once the session saw it complete.
      session.completion().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closed or failed: report what there is
    }
    print(out, session.length(), session.stats(), session.sources(), clock.fetchTime(),
        clock.readTime(), reader, names);
  }

  /**
   * The table of sources, then the fetch (bytes over the time to fetch them all) and how the
   * reader fared: for playback its time and stalls, for a download how often it waited for data.
   */
  static void print(PrintWriter out, long length, StreamStats st, List<SourceStats> sources,
      @Nullable Duration fetchTime, Duration readTime, Reader reader, Map<PeerId, String> names) {
    List<List<String>> rows = new ArrayList<>();
    for (SourceStats s : sources) {
      String id = s.peer().toString();
      rows.add(List.of(names.getOrDefault(s.peer(), id.substring(0, 12) + "…"),
          s.transport().isEmpty() ? "-" : s.transport(), Text.bytes(s.bytes()),
          String.valueOf(s.chunks()), String.valueOf(s.badChunks()),
          s.roundTrip().isZero() ? "-" : Text.millis(s.roundTrip()),
          s.active() ? "yes" : "dropped"));
    }
    Text.table(out, List.of("SOURCE", "VIA", "BYTES", "CHUNKS", "BAD", "RTT", "ACTIVE"), rows,
        Text.terminalWidth(System.getenv()), 0);
    String firstByte = st.timeToFirstByte() == null ? "-" : Text.millis(st.timeToFirstByte());
    if (fetchTime != null) {
      out.println(String.format(Locale.ROOT, "fetched   %s in %s = %s/s (time to first byte %s, redundant %s)",
          Text.bytes(st.verifiedBytes()), seconds(fetchTime), Text.bytes(rate(st.verifiedBytes(), fetchTime)),
          firstByte, Text.bytes(st.redundantBytes())));
    } else {
      out.println(String.format(Locale.ROOT, "fetched   %s of %s, not all (time to first byte %s, redundant %s)",
          Text.bytes(st.verifiedBytes()), Text.bytes(length), firstByte, Text.bytes(st.redundantBytes())));
    }
    if (reader == Reader.PACED) {
      out.println(String.format(Locale.ROOT, "playback  %s, stalls %d (%s stalled)",
          seconds(readTime), st.stalls(), Text.millis(st.stalledTime())));
    } else {
      out.println(String.format(Locale.ROOT, "download  %s, waited for data %d %s (%s in all)",
          seconds(readTime), st.stalls(), st.stalls() == 1 ? "time" : "times", Text.millis(st.stalledTime())));
    }
    out.flush();
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
  }

  private static long rate(long bytes, Duration d) {
    return (long) (bytes / Math.max(1e-9, d.toNanos() / 1e9));
  }
}
