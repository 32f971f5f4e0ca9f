package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A peer behind a NAT shares through a relay (PROTOCOL.md section 10): a home peer behind a NAT
 * (of either kind) shares a track; nobody can dial it, so it keeps reservations at the two public
 * FULL peers and lists them in its record. A listener finds the track by search, its calls going
 * through a relay, and streams all of it from the home peer with no stall: its chunks come
 * straight over UDP where a punch through the NATs can work (the listener on an open host, or
 * every NAT keeping a socket's port for every destination, a carrier's NAT in front of a home
 * router's too: PROTOCOL.md section 8, "Hole punching"), and through the relay over gRPC ("grpc-relayed") where it cannot (a symmetric NAT on the listener's
 * side, or on both).
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(Lab.RESOURCE)
@Timeout(240)
class RelayedSharerIT extends LabTestBase {
  @ParameterizedTest(name = "home {0}, listener {1}: chunks over {2}")
  @CsvSource({
      "ENDPOINT_INDEPENDENT, ADDRESS_AND_PORT_DEPENDENT, grpc-relayed",
      "ADDRESS_AND_PORT_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT, grpc-relayed",
      "ENDPOINT_INDEPENDENT, ENDPOINT_INDEPENDENT, udp",
      "ADDRESS_AND_PORT_DEPENDENT, OPEN, udp",
      "ENDPOINT_INDEPENDENT, CARRIER, udp"})
  void aPeerBehindANatSharesThroughARelayAndAListenerStreamsFromIt(Nat homeNat,
      String listenerNat, String chunksOver) throws Exception {
    assumeThat(Lab.natUnavailable()).as("%s", Lab.natUnavailable().orElse("")).isEmpty();
    byte[] track = LabAudio.noiseWav(8, 29);
    RelayedLab relayed = RelayedLab.start(lab, dir, homeNat, "relayedsong", track);
    LabHost phone = switch (listenerNat) {
      case "OPEN" -> lab.host("phone", LinkProfile.LAN);
      // A phone behind its carrier's NAT and, inside, a home router's: both keep ports.
      case "CARRIER" -> lab.host("phone", LinkProfile.LAN, Nat.ENDPOINT_INDEPENDENT,
          Nat.ENDPOINT_INDEPENDENT);
      default -> lab.host("phone", LinkProfile.LAN, Nat.valueOf(listenerNat));
    };

    LabProcess listener = relayed.listen(phone, "relayedsong");
    listener.awaitLine(line -> line.startsWith("done-ms") || line.startsWith("no hit"),
        Duration.ofSeconds(150));
    String out = listener.output();
    assertThat(out).as("listener: %s%nsharer: %s", out, relayed.sharer.output())
        .contains("read " + track.length).doesNotContain("failed").doesNotContain("stalled");
    assertThat(out.lines().filter(l -> l.startsWith("source ") && l.contains("over " + chunksOver)
        && !l.contains(" 0 bytes"))).as("%s", out).hasSize(1);
  }
}
