package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A peer behind a NAT shares through a relay (PROTOCOL.md section 10): a home peer behind a NAT
 * (of either kind) shares a track; nobody can dial it, so it keeps reservations at the two public
 * FULL peers and lists them in its record. Listeners, each on a host of its own and all at once,
 * find the track by search, their calls going through a relay, and stream all of it from the home
 * peer with no stall: the chunks come straight over UDP where a punch through the NATs can work
 * (the listener on an open host, or every NAT keeping a socket's port for every destination, a
 * carrier's NAT in front of a home router's too: PROTOCOL.md section 8, "Hole punching"), and
 * through the relay over gRPC ("grpc-relayed") where it cannot (a symmetric NAT on one side and
 * a NAT on the other). A listener that plays before it knows its own UDP mapping ({@code PLACE!})
 * takes the relay first, and moves to the direct path once it knows it.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(Lab.FIRST_LANE)
@Timeout(240)
class RelayedSharerIT extends LabTestBase {
  /**
   * @param listeners each listener's place and what its chunks must come over, {@code PLACE:OVER}
   *     separated by spaces: {@code OPEN}, {@code CARRIER} (a carrier's endpoint-independent NAT in
   *     front of a home router's) or a {@link Nat}
   */
  @ParameterizedTest(name = "home {0}; listeners {1}")
  @CsvSource({
      "ENDPOINT_INDEPENDENT, ENDPOINT_INDEPENDENT:udp CARRIER:udp ADDRESS_AND_PORT_DEPENDENT:grpc-relayed ENDPOINT_INDEPENDENT!:udp",
      "ADDRESS_AND_PORT_DEPENDENT, OPEN:udp ADDRESS_AND_PORT_DEPENDENT:grpc-relayed"})
  void aPeerBehindANatSharesThroughARelayAndListenersStreamFromIt(Nat homeNat, String listeners)
      throws Exception {
    assumeThat(Lab.natUnavailable()).as("%s", Lab.natUnavailable().orElse("")).isEmpty();
    byte[] track = LabAudio.noiseWav(8, 29);
    // A listener that plays at once takes a track longer than a session fetches ahead (30 s), at
    // 4x: 24 s of play, the last chunks asked for 16 s in. Its mapping is known within 9 s of its
    // start at worst (a first pair of observers with one behind a NAT: 3 s, then 5 s to the next
    // pair), so the rest of the track is still to come then.
    byte[] longer = LabAudio.noiseWav(96, 31);
    RelayedLab relayed = RelayedLab.start(lab, dir, homeNat,
        java.util.Map.of("relayedsong", track, "relayedlong", longer));
    List<String[]> each = new ArrayList<>();
    List<byte[]> played = new ArrayList<>();
    List<LabProcess> started = new ArrayList<>();
    for (String l : listeners.split(" ")) {
      String[] placeOver = l.split(":");
      boolean atOnce = placeOver[0].endsWith("!");
      placeOver[0] = placeOver[0].replace("!", "");
      String name = "l" + (each.size() + 1);
      LabHost phone = switch (placeOver[0]) {
        case "OPEN" -> lab.host(name, LinkProfile.LAN);
        case "CARRIER" -> lab.host(name, LinkProfile.LAN, Nat.ENDPOINT_INDEPENDENT,
            Nat.ENDPOINT_INDEPENDENT);
        default -> lab.host(name, LinkProfile.LAN, Nat.valueOf(placeOver[0]));
      };
      each.add(placeOver);
      played.add(atOnce ? longer : track);
      started.add(atOnce ? relayed.listen(phone, "relayedlong", 4, true)
          : relayed.listen(phone, "relayedsong"));
    }
    for (int i = 0; i < started.size(); i++) {
      LabProcess listener = started.get(i);
      listener.awaitLine(line -> line.startsWith("done-ms") || line.startsWith("no hit"),
          Duration.ofSeconds(150));
      String out = listener.output();
      String over = each.get(i)[1];
      assertThat(out).as("listener %s: %s%nsharer: %s", each.get(i)[0], out,
              relayed.sharer.output())
          .contains("read " + played.get(i).length).doesNotContain("failed")
          .doesNotContain("stalled");
      if (out.contains("mapping-at-play UNKNOWN")) {
        // It could not ask for a punch when it opened the session: the relay carried the first
        // chunks, and the session moved to a direct path once the mapping was known.
        assertThat(out).as("listener %s: %s", each.get(i)[0], out)
            .contains("grpc-relayed->" + over + " a direct path opened");
      }
      assertThat(out.lines().filter(l -> l.startsWith("source ")
          && l.matches(".*, over " + over + "[,}].*")
          && !l.contains(" 0 bytes"))).as("listener %s: %s", each.get(i)[0], out).hasSize(1);
    }
  }
}
