package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The relay carrying a stream leaves mid-track (PROTOCOL.md section 10): a home peer behind a
 * symmetric NAT shares a track through its two relays, a listener behind another symmetric NAT
 * streams it through one of them (no punch can work), and that relay's process is killed a few
 * seconds in. The listener reaches the home peer through the other relay its record lists, opens
 * a new session there, and plays the track to its end with no stall.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(Lab.SECOND_LANE)
@Timeout(240)
class RelayLeavesIT extends LabTestBase {
  @Test
  void whenTheRelayOfAStreamLeavesTheListenerGoesOnThroughTheOtherWithNoStall() throws Exception {
    assumeThat(Lab.natUnavailable()).as("%s", Lab.natUnavailable().orElse("")).isEmpty();
    // 40 s of audio played at 2x: 20 s, and 1.8 MB, more than the 30 s the session fetches ahead
    // of playback when the relay is killed (at 10 %, 4 s in): the rest must come after it left.
    byte[] track = LabAudio.noiseWav(40, 37);
    RelayedLab relayed = RelayedLab.start(lab, dir, Nat.ADDRESS_AND_PORT_DEPENDENT, "leavingsong",
        track);
    LabHost phone = lab.host("phone", LinkProfile.LAN, Nat.ADDRESS_AND_PORT_DEPENDENT);
    LabProcess listener = relayed.listen(phone, "leavingsong");
    listener.awaitLine(l -> l.equals("progress 5") || l.startsWith("no hit"),
        Duration.ofSeconds(150));
    LabHost r1 = relayed.r1;
    LabHost r2 = relayed.r2;
    long[] before = {r1.bytesSent(), r2.bytesSent()};
    listener.awaitLine(l -> l.equals("progress 10"), Duration.ofSeconds(30));
    // The relay that carries the chunks is the one that sent the most meanwhile.
    boolean viaFirst = r1.bytesSent() - before[0] > r2.bytesSent() - before[1];
    (viaFirst ? relayed.first : relayed.second).kill();
    listener.awaitLine(l -> l.startsWith("done-ms") || l.startsWith("failed"),
        Duration.ofSeconds(120));

    String out = listener.output();
    assertThat(out).as("listener: %s%nsharer: %s", out, relayed.sharer.output())
        .contains("read " + track.length).doesNotContain("failed").doesNotContain("stalled")
        .contains("source-dropped");
    assertThat(out.lines().filter(l -> l.startsWith("source-added"))).as("%s", out).hasSize(2);
    assertThat(out.lines().filter(l -> l.startsWith("source ") && l.contains("over grpc-relayed")
        && !l.contains(" 0 bytes"))).as("the first session, then the one through the other relay")
        .hasSize(2);
  }
}
