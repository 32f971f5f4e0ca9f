package io.loudp2p.benchmarks;

import io.loudp2p.examples.lab.Lab;
import io.loudp2p.examples.lab.LabAudio;
import io.loudp2p.examples.lab.LabFirstByte;
import io.loudp2p.examples.lab.LabHost;
import io.loudp2p.examples.lab.LabProcess;
import io.loudp2p.examples.lab.LinkProfile;
import io.loudp2p.examples.lab.Nat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Peers behind NATs, every pair of kinds (PROTOCOL.md section 10): in the test lab, a sharer on an
 * open host, one behind an endpoint-independent NAT and one behind a symmetric NAT, and a listener
 * in each of those three places. Two public FULL peers are the bootstrap and the relays. For each
 * pair, over the runs: the share of sessions whose source went direct (its chunks on UDP) rather
 * than through a relay (on gRPC), and the median and 90th percentile from {@code Peer.stream()} to
 * the first verified byte, with the ratio of the median to that of the open sharer for the same
 * listener (how much a relay costs), and the median of the bytes the two relays sent during a run
 * (their whole link: what they carried for the session, and the new peer's bootstrap and search,
 * which the open sharer's row shows alone). Each run is a new LIGHT peer that found the track by
 * a search first and then waited until it knew how its NAT maps UDP sockets (not counted); it
 * closes the session at its first byte.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.LabRelays [runs]
 * [profile]} (default 10 runs on lan; profiles lan, 3g, lte, wifi), after {@code mvn -B -q
 * -DskipTests package}. Needs root, iproute2, nftables and python3; says what is missing otherwise.
 */
public final class LabRelays {
  private static final Pattern FIRST_BYTE = Pattern.compile("stream-first-byte-ms (\\d+)");
  private static final Pattern TRANSPORT = Pattern.compile("source-transport (\\S+)");

  /** Where a peer is: an open host, or behind a NAT of one kind. */
  private enum Place {
    OPEN(null), HOME(Nat.ENDPOINT_INDEPENDENT), SYMMETRIC(Nat.ADDRESS_AND_PORT_DEPENDENT);

    final Nat nat;

    Place(Nat nat) {
      this.nat = nat;
    }

    LabHost host(Lab lab, String role, LinkProfile profile) throws java.io.IOException {
      String name = role + "-" + name().toLowerCase(Locale.ROOT);
      return nat == null ? lab.host(name, profile) : lab.host(name, profile, nat);
    }
  }

  private LabRelays() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    LinkProfile profile = args.length > 1 ? LabStartup.profile(args[1]) : LinkProfile.LAN;
    String missing = Lab.natUnavailable().orElse(null);
    if (missing != null) {
      System.out.println("cannot run: " + missing);
      System.exit(2);
    }
    Path dir = Files.createTempDirectory("loudp2p-lab");
    try (Lab lab = Lab.open(dir)) {
      LabHost r1 = lab.host("relay1", LinkProfile.LAN);
      LabHost r2 = lab.host("relay2", LinkProfile.LAN);
      Files.createDirectories(dir.resolve("relay1"));
      Files.createDirectories(dir.resolve("relay2"));
      r1.share(dir.resolve("relay1"), dir, null)
          .awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
      r2.share(dir.resolve("relay2"), dir, r1.peerAddress())
          .awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
      List<LabProcess> sharers = new ArrayList<>();
      for (Place p : Place.values()) {
        String song = "song" + p.name().toLowerCase(Locale.ROOT);
        Path music = Files.createDirectories(dir.resolve("sharer-" + p.name()));
        Files.write(music.resolve(song + ".wav"), LabAudio.noiseWav(20, 40 + p.ordinal()));
        sharers.add(p.host(lab, "sharer", LinkProfile.LAN).share(music, dir, r1.peerAddress()));
      }
      for (LabProcess s : sharers) {
        s.awaitLine(l -> l.startsWith("shares   1"), Duration.ofSeconds(90));
      }
      System.out.printf(Locale.ROOT, "%s listeners (%d ms round trip, %d/%d kbit/s), LAN sharers;"
          + " %d runs each (stream() to first byte, ms: median / p90; ratio to the open"
          + " sharer's median)%n", profile.name(), profile.rtt().toMillis(), profile.downKbit(),
          profile.upKbit(), runs);
      System.out.printf(Locale.ROOT, "  %-10s %-10s %7s %8s %8s %7s %9s%n", "listener",
          "sharer", "direct", "median", "p90", "ratio", "relay KB");
      for (Place listener : Place.values()) {
        LabHost client = listener.host(lab, "listener", profile);
        double open = Double.NaN;
        for (Place sharer : Place.values()) {
          List<Double> ms = new ArrayList<>();
          List<Double> relayed = new ArrayList<>();
          int direct = 0;
          for (int r = 0; r < runs; r++) {
            long sentBefore = r1.bytesSent() + r2.bytesSent();
            LabProcess p = client.startJava("first-byte", LabFirstByte.class.getName(),
                r1.peerAddress(), client.address().getHostAddress(),
                "song" + sharer.name().toLowerCase(Locale.ROOT), "1", "await-mapping");
            p.awaitExit(Duration.ofSeconds(150));
            relayed.add((r1.bytesSent() + r2.bytesSent() - sentBefore) / 1024.0);
            String out = p.output();
            Matcher m = FIRST_BYTE.matcher(out);
            ms.add(m.find() ? Double.parseDouble(m.group(1)) : Double.NaN);
            Matcher t = TRANSPORT.matcher(out);
            if (t.find() && t.group(1).equals("udp")) {
              direct++;
            }
          }
          double median = LabStartup.quantile(ms, 0.5);
          if (sharer == Place.OPEN) {
            open = median;
          }
          System.out.printf(Locale.ROOT, "  %-10s %-10s %6d%% %8.0f %8.0f %6.2fx %9.0f%n",
              listener.name().toLowerCase(Locale.ROOT), sharer.name().toLowerCase(Locale.ROOT),
              direct * 100 / runs, median, LabStartup.quantile(ms, 0.9), median / open,
              LabStartup.quantile(relayed, 0.5));
        }
      }
    }
  }
}
