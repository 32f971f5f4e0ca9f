package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Peers behind real Linux NATs learn where they stand (PROTOCOL.md sections 3.1 and 8): two
 * public FULL peers observe each LIGHT peer's UDP socket and calls, and each peer tells its NAT's
 * kind and its public address from what they saw: none on an open host, endpoint-independent
 * behind masquerade (also behind a carrier NAT in front of a home NAT, at the carrier's address),
 * endpoint-dependent behind a NAT that picks a port per destination. Listeners behind the
 * symmetric NAT and behind the two NATs then stream a track from both public peers over UDP.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(Lab.SECOND_LANE)
@Timeout(240)
class NatMappingIT extends LabTestBase {
  @Test
  void eachPeerTellsTheKindOfNatItIsBehindAndItsPublicAddress() throws Exception {
    assumeThat(Lab.natUnavailable()).as("%s", Lab.natUnavailable().orElse("")).isEmpty();
    LabHost s1 = lab.host("s1", LinkProfile.LAN);
    LabHost s2 = lab.host("s2", LinkProfile.LAN);
    List<Client> clients = List.of(
        new Client(lab.host("open", LinkProfile.LAN), "NONE"),
        new Client(lab.host("home", LinkProfile.LAN, Nat.ENDPOINT_INDEPENDENT),
            "ENDPOINT_INDEPENDENT"),
        new Client(lab.host("symmetric", LinkProfile.LAN, Nat.ADDRESS_AND_PORT_DEPENDENT),
            "ENDPOINT_DEPENDENT"),
        new Client(lab.host("carrier", LinkProfile.LAN, Nat.ENDPOINT_INDEPENDENT,
            Nat.ENDPOINT_INDEPENDENT), "ENDPOINT_INDEPENDENT"));

    byte[] track = LabAudio.noiseWav(8, 17);
    for (LabHost s : List.of(s1, s2)) {
      Files.write(Files.createDirectories(dir.resolve(s.name())).resolve("behind-nat.wav"), track);
    }
    LabProcess first = s1.share(dir.resolve("s1"), dir, null);
    first.awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
    LabProcess second = s2.share(dir.resolve("s2"), dir, s1.peerAddress());
    second.awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));

    Map<LabHost, LabProcess> running = new HashMap<>();
    for (Client c : clients) {
      running.put(c.host(), c.host().startJava("status", LabNetworkStatus.class.getName(),
          c.host().address().getHostAddress(), s1.peerAddress(), s2.peerAddress()));
    }
    for (Client c : clients) {
      LabHost h = c.host();
      LabProcess p = running.get(h);
      p.awaitLine(l -> l.startsWith("public-address"), Duration.ofSeconds(90));
      Map<String, String> said = said(p.output());
      assertThat(said.get("mapping")).as("%s: %s", h, p.output()).isEqualTo(c.mapping());
      String publicIp = h.publicAddress().getHostAddress();
      assertThat(said.get("public-address")).as("%s", h).isEqualTo(publicIp);
      assertThat(said.get("udp-public")).as("%s", h).startsWith(publicIp + ":");
      if (!h.nats().isEmpty()) {
        assertThat(publicIp).isNotEqualTo(h.address().getHostAddress());
      }
    }

    // A listener behind a NAT of either kind streams from both public peers over UDP: it opens
    // every data session itself, so its NAT lets the answers in, whatever port it maps.
    Map<LabHost, LabProcess> listening = new HashMap<>();
    for (Client c : clients.subList(2, 4)) {
      listening.put(c.host(), c.host().startJava("listen", LabListener.class.getName(),
          s1.peerAddress(), c.host().address().getHostAddress(), "behind-nat",
          Integer.toString(LabAudio.BYTES_PER_SECOND), "2"));
    }
    for (Client c : clients.subList(2, 4)) {
      LabProcess listener = listening.get(c.host());
      listener.awaitLine(line -> line.startsWith("done-ms"), Duration.ofSeconds(60));
      String out = listener.output();
      assertThat(out).as("%s", c.host()).contains("read " + track.length)
          .doesNotContain("stalled").doesNotContain("source-fallback").doesNotContain("failed");
      assertThat(out.lines().filter(l -> l.startsWith("source ") && l.contains("over udp")
          && !l.contains(" 0 bytes"))).as("%s", out).hasSize(2);
    }
  }

  /** A LIGHT peer's host and the mapping it must find. */
  private record Client(LabHost host, String mapping) {}

  /** The first word of each line, to the rest. */
  private static Map<String, String> said(String output) {
    Map<String, String> out = new HashMap<>();
    for (String line : output.split("\n")) {
      List<String> parts = List.of(line.strip().split(" ", 2));
      if (parts.size() == 2) {
        out.put(parts.get(0), parts.get(1));
      }
    }
    return out;
  }
}
