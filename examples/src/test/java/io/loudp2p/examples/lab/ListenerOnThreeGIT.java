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
 * Off loopback: three peers on three LAN hosts share a track, and a light client on a 3G host
 * (300 ms, 1 Mbit/s down, 384 kbit/s up) finds it and plays it from all three, real peer processes
 * all. Mid-track one source host is cut off (no close, no reset: its packets just stop) and
 * another source's process is killed; playback goes on from what is left without a stall, from
 * its start on.
 */
@Execution(ExecutionMode.CONCURRENT)
// Alone among the labs: its start on 3G is sensitive to processes starting beside it (see below).
@ResourceLock(Lab.FIRST_LANE)
@ResourceLock(Lab.SECOND_LANE)
@Timeout(480)
class ListenerOnThreeGIT extends LabTestBase {
  /** The track: two minutes of 16-bit mono 22,050 Hz noise, 352.8 kbit/s: a third of the 3G link. */
  private static final int SECONDS = 120;
  private static final int BYTES_PER_SECOND = LabAudio.BYTES_PER_SECOND;

  @Test
  void playsFromThreeSourcesWithoutAStallWhenOneIsCutOffAndAnotherIsKilled() throws Exception {
    byte[] wav = LabAudio.noiseWav(SECONDS, 7);
    List<LabHost> hosts = new ArrayList<>();
    List<LabProcess> sharing = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      LabHost h = lab.host("source" + (i + 1), LinkProfile.LAN);
      Path music = Files.createDirectories(dir.resolve(h.name()).resolve("music"));
      Files.write(music.resolve("labsong.wav"), wav);
      LabProcess p = h.share(music, dir, i == 0 ? null : hosts.get(0).peerAddress());
      if (i == 0) { // the others join through it: it must listen first
        p.awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
      }
      hosts.add(h);
      sharing.add(p);
    }
    for (LabProcess p : sharing) {
      p.awaitLine(l -> l.startsWith("shares   1 track "), Duration.ofSeconds(90));
    }

    LabHost phone = lab.host("phone", LinkProfile.THREE_G);
    LabProcess listener = phone.startJava("listener", LabListener.class.getName(),
        hosts.get(0).peerAddress(), phone.address().getHostAddress(),
        "labsong", Integer.toString(BYTES_PER_SECOND), "3");
    listener.awaitLine(l -> l.startsWith("first-byte-ms"), Duration.ofSeconds(120));
    listener.awaitLine(l -> l.equals("progress 30"), Duration.ofSeconds(SECONDS));
    lab.cut(hosts.get(0));
    listener.awaitLine(l -> l.equals("progress 55"), Duration.ofSeconds(SECONDS));
    sharing.get(1).kill();
    assertThat(listener.awaitExit(Duration.ofSeconds(SECONDS + 60))).as(listener.tail()).isZero();

    String out = listener.output();
    System.out.println(out);
    assertThat(out).contains("hit ").contains("sources 3").contains("read " + wav.length);
    // Once playing, the player never waits on the network: not when a source host is cut off (at
    // 30%), not when a source process dies (at 55%). The session tells when its reader waited.
    // The start is another matter (below).
    Matcher stalled = Pattern.compile("stalled at byte (\\d+)").matcher(out);
    List<String> stallsOncePlaying = new ArrayList<>();
    while (stalled.find()) {
      if (Long.parseLong(stalled.group(1)) > BYTES_PER_SECOND * 5L) {
        stallsOncePlaying.add(stalled.group());
      }
    }
    assertThat(stallsOncePlaying).as("stalls once playing").isEmpty();
    assertThat(out).contains("source-dropped");
    // The start: the first chunks of three sources share one slow, deep-buffered link, where
    // chunks in flight together come late together. While less than 5 s is buffered the sources
    // together have no more in flight than one would, and no endgame copy goes out before its
    // holder is late (DefaultChunkScheduler.URGENT_BUFFER_NS): no stall in 5 runs of 6 on a quiet
    // machine and in CI, where there were 1 to 3 (up to 2 s) before; one CI run, its start slow
    // beside the other tests (first byte 922 ms after stream(), not ~300), had two in its first
    // chunks, 274 ms in all. So at most three short ones, 1 s in all, are let pass.
    Matcher stats = Pattern.compile("stalls=(\\d+) \\((\\d+) ms\\)").matcher(out);
    assertThat(stats.find()).as(out).isTrue();
    assertThat(Integer.parseInt(stats.group(1))).as("stalls").isLessThanOrEqualTo(3);
    assertThat(Long.parseLong(stats.group(2))).as("time stalled, ms").isLessThanOrEqualTo(1_000);
  }
}
