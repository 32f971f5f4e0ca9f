package io.loudp2p.benchmarks;

import io.loudp2p.examples.Main;
import io.loudp2p.examples.lab.Lab;
import io.loudp2p.examples.lab.LabAudio;
import io.loudp2p.examples.lab.LabFirstByte;
import io.loudp2p.examples.lab.LabHost;
import io.loudp2p.examples.lab.LabHttpServer;
import io.loudp2p.examples.lab.LabProcess;
import io.loudp2p.examples.lab.LinkProfile;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Time to first audio, off loopback: in the test lab (hosts in network namespaces, see {@link
 * Lab}), a listener on each link profile gets the first byte of a track shared by peers on the LAN,
 * and the same file from a plain HTTP server on a source host over the same path, all in one run.
 *
 * <p>Per profile, medians and 90th percentiles over the runs, in milliseconds:
 *
 * <ul>
 *   <li>{@code http GET}: curl's time to the first byte of a GET of the file;
 *   <li>{@code stream(), 1 source} and {@code 3 sources}: from {@code Peer.stream()} to the first
 *       verified byte, in a new peer that found the track by a search first (not counted);
 *   <li>{@code peer start, 1 source}: from building that peer to the first byte, search included;
 *   <li>{@code command, 1 source}: from starting {@code loudp2p stream ID -b SOURCE -o -} (a new
 *       JVM) to the first byte on its standard output;
 *   <li>{@code launcher, 1 source} and {@code launcher + CDS, 1 source}: the same through the
 *       launcher script {@code examples/loudp2p} and {@code examples/target/loudp2p.jar}, without
 *       and with the class data sharing archive its first run records (that run not counted);
 *   <li>{@code http Range 90%} and {@code gateway Range 90%}: curl's time to the first byte of a
 *       range request from 90% of the file, to the HTTP server and to a new {@code loudp2p play}
 *       gateway on the listener's host.
 * </ul>
 *
 * <p>Each row ends with its median's ratio to HTTP's (the GET for first bytes, the range request
 * for the seek). Needs root, iproute2, python3 and curl; says what is missing otherwise.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar io.loudp2p.benchmarks.LabStartup [runs]
 * [profile...]} (default 10 runs; profiles lan, 3g, lte, wifi), after {@code mvn -B -q
 * -DskipTests package}.
 */
public final class LabStartup {
  private static final Pattern NUMBER = Pattern.compile("(\\S+) (\\d+)");

  private LabStartup() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    List<LinkProfile> profiles = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      profiles.add(profile(args[i]));
    }
    if (profiles.isEmpty()) {
      profiles = List.of(LinkProfile.LAN, LinkProfile.THREE_G, LinkProfile.LTE,
          LinkProfile.LOSSY_WIFI);
    }
    String missing = Lab.unavailable().orElse(null);
    if (missing != null) {
      System.out.println("cannot run: " + missing);
      System.exit(2);
    }
    Path dir = Files.createTempDirectory("loudp2p-lab");
    try (Lab lab = Lab.open(dir)) {
      Setup setup = Setup.make(lab, dir);
      for (LinkProfile p : profiles) {
        measure(lab, setup, p, runs);
      }
    }
  }

  static LinkProfile profile(String name) {
    for (LinkProfile p : List.of(LinkProfile.LAN, LinkProfile.THREE_G, LinkProfile.LTE,
        LinkProfile.LOSSY_WIFI)) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("no profile " + name + " (lan, 3g, lte, wifi)");
  }

  /** One network of one sharing peer and one of three, on LAN hosts; an HTTP server beside the one. */
  private record Setup(LabHost single, LabHost trio, String trackId, int length) {
    static Setup make(Lab lab, Path dir) throws Exception {
      byte[] one = LabAudio.noiseWav(60, 11);
      byte[] other = LabAudio.noiseWav(60, 12);
      LabHost single = lab.host("single", LinkProfile.LAN);
      share(single, dir, "firstsong", one, null).awaitLine(l -> l.startsWith("shares   1"),
          Duration.ofSeconds(90));
      List<LabProcess> trio = new ArrayList<>();
      LabHost first = null;
      for (int i = 0; i < 3; i++) {
        LabHost h = lab.host("trio" + i, LinkProfile.LAN);
        trio.add(share(h, dir, "secondsong", other, first));
        if (first == null) { // the others join through it: it must listen first
          trio.get(0).awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
          first = h;
        }
      }
      for (LabProcess p : trio) {
        p.awaitLine(l -> l.startsWith("shares   1"), Duration.ofSeconds(90));
      }
      single.startJava("http", LabHttpServer.class.getName(), single.address().getHostAddress(),
          "8080", dir.resolve("single").resolve("music").resolve("firstsong.wav").toString())
          .awaitLine(l -> l.startsWith("serving"), Duration.ofSeconds(30));
      // The track's ID, from a first listener on the LAN.
      LabHost probe = lab.host("probe", LinkProfile.LAN);
      LabProcess p = probe.startJava("probe", LabFirstByte.class.getName(), address(single),
          probe.address().getHostAddress(), "firstsong", "1");
      String line = p.awaitLine(l -> l.startsWith("track "), Duration.ofSeconds(60));
      String[] f = line.split(" ");
      return new Setup(single, first, f[1], Integer.parseInt(f[3]));
    }

    private static LabProcess share(LabHost h, Path dir, String name, byte[] wav,
        LabHost bootstrap) throws Exception {
      Path music = Files.createDirectories(dir.resolve(h.name()).resolve("music"));
      Files.write(music.resolve(name + ".wav"), wav);
      return h.share(music, dir, bootstrap == null ? null : bootstrap.peerAddress());
    }
  }

  private static String address(LabHost h) {
    return h.peerAddress();
  }

  private static void measure(Lab lab, Setup s, LinkProfile profile, int runs) throws Exception {
    LabHost client = lab.host("listener-" + profile.name(), LinkProfile.LAN == profile
        ? LinkProfile.LAN : profile);
    String me = client.address().getHostAddress();
    String http = "http://" + s.single().address().getHostAddress() + ":8080/file";
    long seekAt = s.length() * 9L / 10;
    Map<String, List<Double>> rows = new LinkedHashMap<>();
    Path cds = Files.createTempDirectory("loudp2p-cds");
    recordArchive(client, s, cds);
    for (int r = 0; r < runs; r++) {
      add(rows, "http GET", curl(client, http, -1));
      add(rows, "http GET, first 16 KiB", curlTotal(client, http, "0-16383"));
      Map<String, Double> one = firstByte(client, address(s.single()), me, "firstsong", 1);
      add(rows, "stream(), 1 source", one.get("stream-first-byte-ms"));
      add(rows, "peer start, 1 source", one.get("peer-first-byte-ms"));
      Map<String, Double> three = firstByte(client, address(s.trio()), me, "secondsong", 3);
      add(rows, "stream(), 3 sources", three.get("stream-first-byte-ms"));
      add(rows, "http GET, whole", curlTotal(client, http, null));
      add(rows, "stream() whole, 1 src", one.get("whole-ms"));
      add(rows, "stream() whole, 3 src", three.get("whole-ms"));
      add(rows, "command, 1 source", command(client, s));
      add(rows, "launcher, 1 source", launcher(client, s, cds, false));
      add(rows, "launcher + CDS, 1 source", launcher(client, s, cds, true));
      add(rows, "http Range 90%", curl(client, http, seekAt));
      add(rows, "gateway Range 90%", gateway(client, s, seekAt));
    }
    System.out.printf(Locale.ROOT, "%n%s: %d ms round trip, %d/%d kbit/s, %.0f%% loss; %d runs"
        + " (median / p90, ms; ratio of medians to HTTP's)%n", profile.name(),
        profile.rtt().toMillis(), profile.downKbit(), profile.upKbit(), profile.loss() * 100, runs);
    double get = median(rows.get("http GET"));
    double range = median(rows.get("http Range 90%"));
    double whole = median(rows.get("http GET, whole"));
    for (Map.Entry<String, List<Double>> e : rows.entrySet()) {
      double base = e.getKey().contains("Range") ? range : e.getKey().contains("whole") ? whole
          : get;
      System.out.printf(Locale.ROOT, "  %-24s %8.0f %8.0f   %5.2fx%n", e.getKey(),
          median(e.getValue()), p90(e.getValue()), median(e.getValue()) / base);
    }
  }

  private static void add(Map<String, List<Double>> rows, String row, Double ms) {
    rows.computeIfAbsent(row, k -> new ArrayList<>()).add(ms == null ? Double.NaN : ms);
  }

  /** curl's time to first byte in ms; from {@code from} on when not negative. */
  private static double curl(LabHost client, String url, long from) {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w",
        "%{time_starttransfer}"));
    if (from >= 0) {
      command.addAll(List.of("-r", from + "-"));
    }
    command.add(url);
    return Double.parseDouble(client.run(command.toArray(new String[0])).strip()) * 1000;
  }

  /**
   * curl's time to the last byte in ms, of the whole file or of the byte {@code range} ("0-16383":
   * a chunk's worth, which a stream must have whole before its first byte verifies).
   */
  private static double curlTotal(LabHost client, String url, String range) {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w",
        "%{time_total}"));
    if (range != null) {
      command.addAll(List.of("-r", range));
    }
    command.add(url);
    return Double.parseDouble(client.run(command.toArray(new String[0])).strip()) * 1000;
  }

  /** A cold start's first byte, and its whole track read as fast as it comes, in ms. */
  private static Map<String, Double> firstByte(LabHost client, String bootstrap, String me,
      String query, int sources) throws Exception {
    LabProcess p = client.startJava("first-byte", LabFirstByte.class.getName(), bootstrap, me,
        query, Integer.toString(sources), "whole");
    p.awaitExit(Duration.ofSeconds(120));
    Map<String, Double> out = new LinkedHashMap<>();
    Matcher m = NUMBER.matcher(p.output());
    while (m.find()) {
      out.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return out;
  }

  /** From starting the stream command to the first byte on its standard output, in ms. */
  private static double command(LabHost client, Setup s) throws Exception {
    return firstByteOf(client, LabHost.javaCommand(Main.class.getName(), streamArgs(client, s)));
  }

  /**
   * The same through the launcher script {@code examples/loudp2p} and the built {@code
   * examples/target/loudp2p.jar} (NaN without them), with its class data sharing archive in
   * {@code cds} or without one.
   */
  private static double launcher(LabHost client, Setup s, Path cds, boolean withCds)
      throws Exception {
    if (!LAUNCHER.toFile().isFile() || !LAUNCHER_JAR.toFile().isFile()) {
      return Double.NaN;
    }
    List<String> command = launcherCommand(cds, withCds);
    command.addAll(List.of(streamArgs(client, s)));
    return firstByteOf(client, command);
  }

  /**
   * Runs the launcher's first run, which records its archive in {@code cds} as the command exits:
   * a stream whose output is closed after its first byte, which it then ends on.
   */
  private static void recordArchive(LabHost client, Setup s, Path cds) throws Exception {
    if (!LAUNCHER.toFile().isFile() || !LAUNCHER_JAR.toFile().isFile()) {
      return;
    }
    List<String> command = launcherCommand(cds, true);
    command.addAll(List.of(streamArgs(client, s)));
    Process p = client.spawn("cds-record", command);
    try (InputStream out = p.getInputStream()) {
      out.read();
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
  }

  private static List<String> launcherCommand(Path cds, boolean withCds) {
    return new ArrayList<>(List.of("env", "XDG_CACHE_HOME=" + cds,
        "LOUDP2P_CDS=" + (withCds ? "on" : "off"), "LOUDP2P_JAR=" + LAUNCHER_JAR.toAbsolutePath(),
        "LOUDP2P_JAVA=" + Path.of(System.getProperty("java.home"), "bin", "java"),
        "sh", LAUNCHER.toAbsolutePath().toString()));
  }

  private static final Path LAUNCHER = Path.of("examples", "loudp2p");
  private static final Path LAUNCHER_JAR = Path.of("examples", "target", "loudp2p.jar");

  private static String[] streamArgs(LabHost client, Setup s) {
    return new String[] {"stream", s.trackId(), "-b", address(s.single()), "--listen",
        client.address().getHostAddress() + ":0", "-o", "-"};
  }

  /** From starting {@code command} on the client's host to the first byte of its output, in ms. */
  private static double firstByteOf(LabHost client, List<String> command) throws Exception {
    long start = System.nanoTime();
    Process p = client.spawn("stream-command", command);
    try (InputStream out = p.getInputStream()) {
      if (out.read() < 0) {
        return Double.NaN;
      }
      return (System.nanoTime() - start) / 1e6;
    } finally {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** A new play gateway on the listener's host, then curl's time to first byte of a range from 90%. */
  private static double gateway(LabHost client, Setup s, long from) throws Exception {
    LabProcess play = client.startJava("play", Main.class.getName(), "play", s.trackId(), "-b",
        address(s.single()), "--listen", client.address().getHostAddress() + ":0");
    try {
      String line = play.awaitLine(l -> l.startsWith("track    http"), Duration.ofSeconds(120));
      return curl(client, line.substring("track    ".length()).strip(), from);
    } finally {
      play.close();
    }
  }

  private static double median(List<Double> v) {
    return quantile(v, 0.5);
  }

  private static double p90(List<Double> v) {
    return quantile(v, 0.9);
  }

  static double quantile(List<Double> v, double q) {
    double[] s = v.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d))
        .toArray();
    if (s.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)];
  }
}
