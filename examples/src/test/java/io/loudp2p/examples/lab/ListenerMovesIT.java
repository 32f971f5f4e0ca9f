package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A listener whose network changes mid-track: a light client on a phone plays a track from two
 * sources over a lossy Wi-Fi, and 10% of the way in (6 s: with the session reading 30 s ahead,
 * the last 24 s are still to fetch) the phone leaves the Wi-Fi for 3G (a new
 * address, the old one gone; 300 ms and 1 Mbit/s from then on). Its UDP sessions carry on from the
 * new address, each source moving its session there once the phone proved it holds the session's
 * key (no source is dropped, none falls back, playback never waits), and another peer finds the
 * phone by its ID at the new address: a new signed record with a higher sequence, passed on by
 * the peers the phone told.
 */
@Execution(ExecutionMode.CONCURRENT)
// Alone among the labs: a listener that changes networks mid-track, timed against its sources.
@ResourceLock(Lab.FIRST_LANE)
@ResourceLock(Lab.SECOND_LANE)
@Timeout(420)
class ListenerMovesIT extends LabTestBase {
  /** A minute of 16-bit mono 22,050 Hz noise: 352.8 kbit/s, a third of the 3G link. */
  private static final int SECONDS = 60;
  private static final Pattern RECORD = Pattern.compile("record (\\d+) (.*)");

  @Test
  void aListenerThatChangesNetworksPlaysOnAndIsFoundAtItsNewAddress() throws Exception {
    byte[] wav = LabAudio.noiseWav(SECONDS, 11);
    List<LabHost> sources = new ArrayList<>();
    List<LabProcess> sharing = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      LabHost h = lab.host("source" + (i + 1), LinkProfile.LAN);
      Path music = Files.createDirectories(dir.resolve(h.name()).resolve("music"));
      Files.write(music.resolve("labsong.wav"), wav);
      sharing.add(h.share(music, dir, i == 0 ? null : sources.get(0).peerAddress()));
      if (i == 0) { // the others join through it: it must listen first
        sharing.get(0).awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
      }
      sources.add(h);
    }
    for (LabProcess p : sharing) {
      p.awaitLine(l -> l.startsWith("shares   1 track "), Duration.ofSeconds(90));
    }

    LabHost phone = lab.host("phone", LinkProfile.LOSSY_WIFI);
    String before = phone.address().getHostAddress();
    // Listening on the wildcard address: the peer announces whatever address the phone has.
    LabProcess listener = phone.startJava("listener", LabListener.class.getName(),
        sources.get(0).peerAddress(), "0.0.0.0", "labsong",
        Integer.toString(LabAudio.BYTES_PER_SECOND), "2");
    String id = listener.awaitLine(l -> l.startsWith("peer "), Duration.ofSeconds(60))
        .substring("peer ".length());
    LabHost other = sources.get(1);
    LabProcess watcher = other.startJava("watcher", LabWatcher.class.getName(),
        other.peerAddress(), other.address().getHostAddress(), id);
    String first = watcher.awaitLine(l -> l.startsWith("record ") && l.contains(before + ":"),
        Duration.ofSeconds(120));
    long firstSequence = sequence(first);

    listener.awaitLine(l -> l.equals("progress 10"), Duration.ofSeconds(SECONDS + 60));
    long movedAt = System.nanoTime();
    String after = lab.move(phone, LinkProfile.THREE_G).getHostAddress();
    System.out.println("phone moved from " + before + " to " + after);

    String found = watcher.awaitLine(l -> l.startsWith("record ") && l.contains(after + ":"),
        Duration.ofSeconds(90));
    System.out.printf("another peer knew the phone at %s %.1f s after the move: %s%n", after,
        (System.nanoTime() - movedAt) / 1e9, found);
    assertThat(sequence(found)).as("the new record's sequence").isGreaterThan(firstSequence);
    assertThat(found).doesNotContain(before + ":");

    assertThat(listener.awaitExit(Duration.ofSeconds(SECONDS + 60))).as(listener.tail()).isZero();
    String out = listener.output();
    System.out.println(out);
    assertThat(out).contains("sources 2").contains("read " + wav.length);
    // The sessions moved with the phone: none was lost, so no source was dropped or fell back to
    // the other transport, and the player never waited once playing.
    assertThat(out).doesNotContain("source-dropped").doesNotContain("source-fallback")
        .doesNotContain("failed");
    // Both sessions made on the Wi-Fi were still there at the end, over UDP: a session that did
    // not move would have gone silent and been lost within 10 s, and its source dropped, with 24 s
    // of the track still to come. The one that fetched after the move measured the 3G path's round
    // trip (300 ms and more, against the Wi-Fi's 20).
    Matcher source = Pattern.compile("source SourceStats\\{.*rtt (\\d+) ms.*over (\\w+)\\}")
        .matcher(out);
    int sourcesAtTheEnd = 0;
    int slowest = 0;
    while (source.find()) {
      sourcesAtTheEnd++;
      assertThat(source.group(2)).as(source.group()).isEqualTo("udp");
      slowest = Math.max(slowest, Integer.parseInt(source.group(1)));
    }
    assertThat(sourcesAtTheEnd).isEqualTo(2);
    assertThat(slowest).as("the largest source round trip, ms").isGreaterThan(250);
    Matcher stalled = Pattern.compile("stalled at byte (\\d+)").matcher(out);
    while (stalled.find()) {
      assertThat(Long.parseLong(stalled.group(1))).as("a stall once playing")
          .isLessThanOrEqualTo(LabAudio.BYTES_PER_SECOND * 5L);
    }
  }

  private static long sequence(String recordLine) {
    Matcher m = RECORD.matcher(recordLine);
    assertThat(m.matches()).as(recordLine).isTrue();
    return Long.parseLong(m.group(1));
  }
}
