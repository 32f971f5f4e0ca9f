package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The lab is what it claims: each profile's round trip, rates and loss, measured end to end from a
 * host on that profile to one on the LAN; a cut host is silent and a restored one answers again.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(Lab.SECOND_LANE)
@Timeout(180)
class LabTest extends LabTestBase {
  /** What a measure printed: name to first number. */
  private static Map<String, Double> figures(String output) {
    Map<String, Double> out = new HashMap<>();
    for (String line : output.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length >= 2 && f[0].matches("[a-z-]+") && f[1].matches("[0-9.]+")) {
        out.put(f[0], Double.parseDouble(f[1]));
        if (f.length >= 4 && f[2].equals("lost")) {
          String[] lost = f[3].split("/");
          out.put("lost-share", Double.parseDouble(lost[0]) / Double.parseDouble(lost[1]));
        }
      }
    }
    return out;
  }

  @Test
  void eachProfileHasTheRoundTripRatesAndLossItClaims() throws Exception {
    LabHost server = lab.host("server", LinkProfile.LAN);
    LabProcess serving = server.startJava("probe", LabProbe.class.getName(), "serve", "9000");
    serving.awaitLine(l -> l.startsWith("serving"), Duration.ofSeconds(30));

    // Each transfer is about two seconds at the profile's rate; the Wi-Fi's loss is counted on
    // 600 datagrams.
    Map<LinkProfile, String[]> plans = new LinkedHashMap<>();
    plans.put(LinkProfile.LAN, new String[] {"20", "4000000", "4000000", "40"});
    plans.put(LinkProfile.THREE_G, new String[] {"8", "250000", "96000", "12"});
    plans.put(LinkProfile.LTE, new String[] {"10", "2500000", "1250000", "20"});
    plans.put(LinkProfile.LOSSY_WIFI, new String[] {"10", "2500000", "2500000", "600"});
    Map<LinkProfile, LabProcess> runs = new LinkedHashMap<>();
    for (Map.Entry<LinkProfile, String[]> e : plans.entrySet()) {
      LabHost h = lab.host(e.getKey().name(), e.getKey());
      String[] p = e.getValue();
      runs.put(e.getKey(), h.startJava("measure", LabProbe.class.getName(), "measure",
          server.address().getHostAddress(), "9000", p[0], p[1], p[2], p[3]));
    }
    Map<LinkProfile, Map<String, Double>> measured = new LinkedHashMap<>();
    for (Map.Entry<LinkProfile, LabProcess> e : runs.entrySet()) {
      assertThat(e.getValue().awaitExit(Duration.ofSeconds(120))).as(e.getValue().tail()).isZero();
      measured.put(e.getKey(), figures(e.getValue().output()));
      System.out.println(e.getKey().name() + ": " + measured.get(e.getKey()));
    }

    for (Map.Entry<LinkProfile, Map<String, Double>> e : measured.entrySet()) {
      LinkProfile p = e.getKey();
      Map<String, Double> m = e.getValue();
      // The LAN server's link adds half a millisecond each way, the delay lines a little more.
      double rtt = p.rtt().toNanos() / 1e6 + 1;
      assertThat(m.get("rtt-tcp-ms")).as("%s TCP round trip", p.name())
          .isBetween(rtt * 0.95, rtt * 1.15 + 4);
      assertThat(m.get("rtt-udp-ms")).as("%s UDP round trip", p.name())
          .isBetween(rtt * 0.95, rtt * 1.15 + 4);
      if (p.downKbit() > 0) {
        // A transfer over a lossy path spends some of its time recovering: it reaches less of
        // the rate limit than one over a clean path (15.2 of 20 Mbit/s seen on the lossy Wi-Fi).
        double floor = p.loss() > 0 ? 0.6 : 0.8;
        assertThat(m.get("down-kbit")).as("%s rate down", p.name())
            .isBetween(p.downKbit() * floor, p.downKbit() * 1.1);
        assertThat(m.get("up-kbit")).as("%s rate up", p.name())
            .isBetween(p.upKbit() * floor, p.upKbit() * 1.1);
      }
      if (p.loss() > 0) {
        // Lost either way: 1 - 0.98² of the datagrams, about 4%.
        double roundTrip = 1 - Math.pow(1 - p.loss(), 2);
        assertThat(m.get("lost-share")).as("%s datagrams lost", p.name())
            .isBetween(roundTrip * 0.4, roundTrip * 2);
      } else {
        assertThat(m.get("lost-share")).as("%s datagrams lost", p.name()).isZero();
      }
    }
  }

  @Test
  void aCutHostIsSilentAndARestoredOneAnswersAgain() throws Exception {
    LabHost server = lab.host("server", LinkProfile.LAN);
    LabHost phone = lab.host("phone", LinkProfile.LAN);
    LabProcess serving = server.startJava("probe", LabProbe.class.getName(), "serve", "9000");
    serving.awaitLine(l -> l.startsWith("serving"), Duration.ofSeconds(30));
    String to = server.address().getHostAddress();

    lab.cut(phone);
    LabProcess cut = phone.startJava("cut", LabProbe.class.getName(), "measure", to, "9000", "1",
        "1000", "1000", "5");
    // Connecting fails by its timeout (10 s): no refusal and no ICMP error comes back.
    assertThat(cut.awaitExit(Duration.ofSeconds(60))).isNotZero();
    assertThat(cut.output()).contains("SocketTimeoutException").doesNotContain("refused")
        .doesNotContain("unreachable");

    lab.restore(phone);
    LabProcess restored = phone.startJava("restored", LabProbe.class.getName(), "measure", to,
        "9000", "3", "1000", "1000", "5");
    assertThat(restored.awaitExit(Duration.ofSeconds(60))).as(restored.tail()).isZero();
    assertThat(figures(restored.output())).containsEntry("lost-share", 0.0);
  }

  @Test
  void aHostThatMovesHasItsNewAddressAndItsNewLinksRoundTrip() throws Exception {
    LabHost server = lab.host("server", LinkProfile.LAN);
    LabHost phone = lab.host("phone", LinkProfile.LAN);
    LabProcess serving = server.startJava("probe", LabProbe.class.getName(), "serve", "9000");
    serving.awaitLine(l -> l.startsWith("serving"), Duration.ofSeconds(30));
    String to = server.address().getHostAddress();
    String before = phone.address().getHostAddress();

    String after = lab.move(phone, LinkProfile.LTE).getHostAddress();
    assertThat(after).isNotEqualTo(before);
    assertThat(phone.run("ip", "-4", "-o", "addr", "show", "dev", "eth0")).contains(after + "/24")
        .doesNotContain(before + "/");
    LabProcess moved = phone.startJava("moved", LabProbe.class.getName(), "measure", to, "9000",
        "10", "1000", "1000", "20");
    assertThat(moved.awaitExit(Duration.ofSeconds(60))).as(moved.tail()).isZero();
    Map<String, Double> m = figures(moved.output());
    double rtt = LinkProfile.LTE.rtt().toNanos() / 1e6 + 1;
    assertThat(m.get("rtt-udp-ms")).as("UDP round trip after the move")
        .isBetween(rtt * 0.95, rtt * 1.15 + 4);
    assertThat(m.get("rtt-tcp-ms")).as("TCP round trip after the move")
        .isBetween(rtt * 0.95, rtt * 1.15 + 4);
  }
}
