package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
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
@ResourceLock(Lab.RESOURCE)
@Timeout(240)
class RelayLeavesIT extends LabTestBase {
  @Test
  void whenTheRelayOfAStreamLeavesTheListenerGoesOnThroughTheOtherWithNoStall() throws Exception {
    assumeThat(Lab.natUnavailable()).as("%s", Lab.natUnavailable().orElse("")).isEmpty();
    LabHost r1 = lab.host("r1", LinkProfile.LAN);
    LabHost r2 = lab.host("r2", LinkProfile.LAN);
    LabHost home = lab.host("home", LinkProfile.LAN, Nat.ADDRESS_AND_PORT_DEPENDENT);
    LabHost phone = lab.host("phone", LinkProfile.LAN, Nat.ADDRESS_AND_PORT_DEPENDENT);

    // 60 s of audio played at 4x: 15 s, and 2.6 MB, more than the 30 s the session fetches ahead
    // of playback and more than a relay carries in the seconds before it is killed.
    byte[] track = LabAudio.noiseWav(60, 37);
    Files.write(Files.createDirectories(dir.resolve("home")).resolve("leavingsong.wav"), track);
    Files.createDirectories(dir.resolve("r1"));
    Files.createDirectories(dir.resolve("r2"));
    LabProcess first = r1.share(dir.resolve("r1"), dir, null);
    first.awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
    LabProcess second = r2.share(dir.resolve("r2"), dir, r1.peerAddress());
    second.awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
    LabProcess sharer = home.share(dir.resolve("home"), dir, r1.peerAddress());
    sharer.awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));

    LabProcess listener = phone.startJava("listen", LabListener.class.getName(),
        r1.peerAddress(), phone.address().getHostAddress(), "leavingsong",
        Integer.toString(4 * LabAudio.BYTES_PER_SECOND), "1");
    listener.awaitLine(l -> l.equals("progress 5") || l.startsWith("no hit"),
        Duration.ofSeconds(150));
    long[] before = {sent(r1), sent(r2)};
    listener.awaitLine(l -> l.equals("progress 10"), Duration.ofSeconds(30));
    // The relay that carries the chunks is the one that sent the most meanwhile.
    boolean viaFirst = sent(r1) - before[0] > sent(r2) - before[1];
    (viaFirst ? first : second).kill();
    listener.awaitLine(l -> l.startsWith("done-ms") || l.startsWith("failed"),
        Duration.ofSeconds(120));

    String out = listener.output();
    assertThat(out).as("listener: %s%nsharer: %s", out, sharer.output())
        .contains("read " + track.length).doesNotContain("failed").doesNotContain("stalled")
        .contains("source-dropped");
    assertThat(out.lines().filter(l -> l.startsWith("source-added"))).as("%s", out).hasSize(2);
    assertThat(out.lines().filter(l -> l.startsWith("source ") && l.contains("over grpc-relayed")
        && !l.contains(" 0 bytes"))).as("the first session, then the one through the other relay")
        .hasSize(2);
  }

  /** The bytes {@code relay} has sent on its link so far. */
  private static long sent(LabHost relay) {
    return Long.parseLong(relay.run("cat", "/sys/class/net/eth0/statistics/tx_bytes").trim());
  }
}
