package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamStats;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
  private static final long MIB = 1 << 20;
  private static final PeerId ALPHA;

  static {
    byte[] b = new byte[PeerId.LENGTH];
    b[0] = PeerId.VERSION;
    ALPHA = PeerId.fromBytes(b);
  }

  private static final StreamStats STATS = new StreamStats(Duration.ofMillis(12), 43,
      Duration.ofMillis(150), 2 * MIB, 0, 0);
  private static final List<SourceStats> SOURCES = List.of(
      new SourceStats(ALPHA, 2 * MIB, 32, 0, Duration.ofMillis(3), 0, true, "udp"));

  private static String print(Duration fetchTime, Duration readTime, Report.Reader reader) {
    StringWriter out = new StringWriter();
    Report.print(new PrintWriter(out, true), 2 * MIB, STATS, SOURCES, fetchTime, readTime, reader,
        Map.of(ALPHA, "alpha"));
    return out.toString();
  }

  @Test
  void playbackShowsTheFetchThroughputBesideThePacedPlayingTime() {
    String o = print(Duration.ofMillis(500), Duration.ofSeconds(8), Report.Reader.PACED);

    assertThat(o).containsPattern("(?m)^alpha +udp +2\\.0 MiB +32 +0 +3\\.0 ms +yes$");
    // 2 MiB fetched in half a second, not 2 MiB over the 8 s of paced playback.
    assertThat(o).contains("fetched   2.0 MiB in 0.50 s = 4.0 MiB/s (time to first byte 12 ms, redundant 0 B)");
    assertThat(o).contains("playback  8.00 s, stalls 43 (150 ms stalled)");
    assertThat(o).doesNotContain("256.0 KiB/s");
  }

  @Test
  void aDownloadsWaitsForDataAreNotCalledStalls() {
    String o = print(Duration.ofMillis(400), Duration.ofMillis(410), Report.Reader.UNPACED);

    assertThat(o).contains("fetched   2.0 MiB in 0.40 s = 5.0 MiB/s");
    assertThat(o).contains("download  0.41 s, waited for data 43 times (150 ms in all)");
    assertThat(o).doesNotContain("stall");
  }

  @Test
  void aSessionThatDidNotFetchEverythingSaysSo() {
    String o = print(null, Duration.ofSeconds(3), Report.Reader.PACED);

    assertThat(o).contains("fetched   2.0 MiB of 2.0 MiB, not all (time to first byte 12 ms");
    assertThat(o).doesNotContain("MiB/s");
  }
}
