package io.loudp2p.examples.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A test lab of hosts on one machine: each host a Linux network namespace with one link, through
 * its {@link LinkProfile}, to a router namespace that joins them all. Linux here has no netem, so
 * a link's delay and loss come from a delay line in user space (one {@link DelayLine} per host, on
 * a TUN device the router's policy routing sends the link's packets through, both ways), and its
 * rates from {@code tc tbf} on each end of its veth pair.
 *
 * <p>Host {@code i} has the address {@code 10.77.i.2/24}, its router side {@code 10.77.i.1}. The
 * addresses exist only inside the lab's namespaces: nothing the lab does reaches any other
 * network. Every namespace, process and delay line is removed on {@link #close()}, and by a
 * shutdown hook when the JVM ends first; a lab left by a JVM that was killed is removed by the
 * next one opened.
 *
 * <p>Routing in the router, for host {@code i} with TUN device {@code t<i>} and table {@code
 * 100+i}: a packet that comes out of {@code t<i>} bound for host {@code i} goes to it (rule 100);
 * one that comes from host {@code i} goes into {@code t<i>} (rule 200); one bound for host {@code
 * i} from anywhere else goes into {@code t<i>} (rule 300). A packet from host {@code a} to host
 * {@code b} thus passes both hosts' delay lines, each way: a round trip between them takes the sum
 * of their profiles' round trips.
 *
 * <p>A host can sit behind {@link Nat}s ({@link #host(String, LinkProfile, Nat...)}), outermost
 * first: its namespace {@code h<i>}, with the link and address above, is then the outermost NAT
 * box, and each NAT adds a namespace {@code h<i>n<level>} behind the one before, over a veth pair
 * ({@code in0} in the box, {@code eth0} behind it) on a private subnet of its own: level 1 {@code
 * 100.64.i.0/24}, level 2 {@code 192.168.i.0/24}, level 3 {@code 172.16.i.0/24}, the box {@code
 * .1} and the level behind it {@code .2}. Each box forwards, masquerades on its outward interface
 * ({@code Nat.rules}) and drops what comes in unasked; each level routes outward by default.
 * Programs run in the innermost namespace; the router sees only the edge's address.
 *
 * <p>Needs root, {@code ip} and {@code tc} (iproute2), {@code python3} and {@code /dev/net/tun}:
 * {@link #unavailable()} says what is missing; NATs need {@code nft} (nftables) too: {@link
 * #natUnavailable()}.
 */
public final class Lab implements AutoCloseable {
  /**
   * The lab tests run in two lanes, each test in one ({@code @ResourceLock} of this or {@link
   * #SECOND_LANE}), so that at most two labs run at a time, beside the other tests, which do not
   * touch the lab. Each lab has namespaces of its own; the lanes only bound how many peer
   * processes share the machine's processors. The tests are spread so the two lanes take about as
   * long.
   */
  public static final String FIRST_LANE = "loudp2p-lab-1";

  /** The other lane of lab tests: see {@link #FIRST_LANE}. */
  public static final String SECOND_LANE = "loudp2p-lab-2";

  private static final String PREFIX = "lpl";
  private static final AtomicInteger LABS = new AtomicInteger();
  private static final AtomicInteger PROBES = new AtomicInteger();
  /** The private subnets of a host's NAT levels 1, 2, 3: {@code <prefix>.<host index>.0/24}. */
  private static final List<String> NAT_SUBNETS = List.of("100.64.", "192.168.", "172.16.");

  private final String id;
  private final String router;
  private final Path dir;
  private final Path delayLine;
  /** Options of the JVMs the hosts start ({@link LabHost#startJava}) before their class path. */
  private volatile List<String> jvmOptions = List.of();
  private final List<LabHost> hosts = new ArrayList<>();
  /** Every namespace made for the hosts, inner ones too: removed on close. */
  private final List<String> namespaces = new ArrayList<>();
  private final List<DelayLine> delayLines = new ArrayList<>();
  private final List<AutoCloseable> running = new ArrayList<>();
  private final List<String[]> partitionRules = new ArrayList<>();
  private final Thread hook;
  private boolean closed;

  private Lab(String id, Path dir) throws IOException {
    this.id = id;
    this.router = id + "r";
    this.dir = dir;
    this.delayLine = DelayLine.install(dir);
    this.hook = new Thread(this::close, "lab-teardown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Why a lab cannot be made on this machine, or empty when it can. */
  public static Optional<String> unavailable() {
    if (!System.getProperty("os.name", "").startsWith("Linux")) {
      return Optional.of("the lab needs Linux network namespaces");
    }
    if (!Shell.tryRun(List.of("id", "-u")).output().strip().equals("0")) {
      return Optional.of("the lab needs root to make network namespaces");
    }
    for (List<String> tool : List.of(List.of("ip", "-V"), List.of("tc", "-V"),
        List.of("python3", "--version"))) {
      if (Shell.tryRun(tool).exit() != 0) {
        return Optional.of("the lab needs " + tool.get(0) + " (iproute2, python3)");
      }
    }
    if (!Files.exists(Path.of("/dev/net/tun"))) {
      return Optional.of("the lab needs /dev/net/tun for its delay lines");
    }
    // Everything the lab does, tried once in a namespace of its own: a kernel or a container may
    // allow namespaces but not TUN devices, or lack the tbf qdisc.
    return tryInProbe(List.of(
        List.of("ip", "link", "add", "p0", "type", "veth", "peer", "name", "p1"),
        List.of("ip", "tuntap", "add", "dev", "t0", "mode", "tun"),
        List.of("tc", "qdisc", "add", "dev", "p0", "root", "tbf", "rate", "1mbit", "burst",
            "4096", "latency", "10ms"),
        List.of("sysctl", "-qw", "net.ipv4.ip_forward=1")));
  }

  /**
   * Why a lab of hosts behind {@link Nat}s cannot be made on this machine, or empty when it can:
   * what {@link #unavailable()} says, else what keeps nftables from masquerading and filtering in
   * a namespace.
   */
  public static Optional<String> natUnavailable() {
    Optional<String> lab = unavailable();
    if (lab.isPresent()) {
      return lab;
    }
    if (Shell.tryRun(List.of("nft", "--version")).exit() != 0) {
      return Optional.of("the lab's NATs need nft (nftables)");
    }
    List<List<String>> steps = new ArrayList<>();
    for (Nat nat : Nat.values()) {
      steps.add(List.of("nft", "flush ruleset\n" + nat.rules("eth0")));
    }
    return tryInProbe(steps);
  }

  /** Runs {@code steps} in a new namespace, removed after: why the first that failed did. */
  private static Optional<String> tryInProbe(List<List<String>> steps) {
    // Named for this JVM and call: tests that run side by side probe in namespaces of their own.
    String probe = PREFIX + "probe" + ProcessHandle.current().pid() + "x"
        + PROBES.incrementAndGet();
    Shell.tryRun(List.of("ip", "netns", "del", probe));
    Shell.Result made = Shell.tryRun(List.of("ip", "netns", "add", probe));
    if (made.exit() != 0) {
      return Optional.of("cannot make a network namespace: " + made.output().strip());
    }
    try {
      for (List<String> step : steps) {
        Shell.Result r = Shell.tryRun(Shell.in(probe, step));
        if (r.exit() != 0) {
          return Optional.of("cannot " + String.join(" ", step).replaceAll("\\s+", " ")
              + " in a namespace: " + r.output().strip());
        }
      }
    } finally {
      Shell.tryRun(List.of("ip", "netns", "del", probe));
    }
    return Optional.empty();
  }

  /**
   * The options of the JVMs that the tests start on lab hosts: compiled by C1 alone, which takes
   * about 40% less processor time to start a peer and serve a track at the lab's rates. A
   * benchmark leaves the JVM's defaults, which a user runs.
   */
  public static final List<String> TEST_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

  /** Starts the hosts' JVMs ({@link LabHost#startJava}) with {@code options}; none by default. */
  public void jvmOptions(List<String> options) {
    this.jvmOptions = List.copyOf(options);
  }

  List<String> jvmOptions() {
    return jvmOptions;
  }

  /** Makes an empty lab (just its router), keeping its logs and scripts in {@code dir}. */
  public static Lab open(Path dir) throws IOException {
    removeStale();
    long pid = ProcessHandle.current().pid();
    String id = PREFIX + pad(Long.toString(pid, 36), 5) + (char) ('a' + LABS.getAndIncrement() % 26);
    Files.createDirectories(dir);
    Lab lab = new Lab(id, dir);
    try {
      Shell.run("ip", "netns", "add", lab.router);
      Shell.runIn(lab.router, "ip", "link", "set", "lo", "up");
      Shell.runIn(lab.router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
      // Packets come back out of the TUN devices with addresses of other links: no source check.
      Shell.runIn(lab.router, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0");
      Shell.runIn(lab.router, "sysctl", "-qw", "net.ipv4.conf.default.rp_filter=0");
    } catch (RuntimeException e) {
      lab.close();
      throw e;
    }
    return lab;
  }

  private static String pad(String s, int width) {
    return "0".repeat(Math.max(0, width - s.length())) + s;
  }

  /** Removes the namespaces of labs whose JVM is gone (killed before it could tear them down). */
  private static void removeStale() {
    for (String line : Shell.tryRun(List.of("ip", "netns", "list")).output().split("\n")) {
      String ns = line.split(" ")[0];
      if (ns.startsWith(PREFIX) && ns.length() > PREFIX.length() + 5
          && !ns.startsWith(PREFIX + "probe")) {
        long pid;
        try {
          pid = Long.parseLong(ns.substring(PREFIX.length(), PREFIX.length() + 5), 36);
        } catch (NumberFormatException e) {
          continue;
        }
        if (ProcessHandle.of(pid).isEmpty()) {
          Shell.tryRun(List.of("ip", "netns", "del", ns));
        }
      }
    }
  }

  /**
   * Adds a host on a link of {@code profile}: its namespace, its veth pair to the router, its
   * delay line, its rate limits.
   */
  public LabHost host(String name, LinkProfile profile) throws IOException {
    return host(name, profile, new Nat[0]);
  }

  /**
   * Adds a host on a link of {@code profile} behind {@code nats}, outermost first: none for a host
   * with a public address; {@code ENDPOINT_INDEPENDENT, ENDPOINT_INDEPENDENT} for a carrier's NAT
   * in front of a home router's. The host's link, delay line and rates are those {@link
   * #host(String, LinkProfile)} makes, ending in the outermost NAT box; behind each NAT is a
   * namespace of its own, the innermost the host's.
   *
   * @throws IllegalArgumentException for more than three NATs
   */
  public synchronized LabHost host(String name, LinkProfile profile, Nat... nats)
      throws IOException {
    if (closed) {
      throw new IllegalStateException("the lab is closed");
    }
    int i = hosts.size() + 1;
    if (i > 99) {
      throw new IllegalStateException("a lab has at most 99 hosts");
    }
    if (nats.length > NAT_SUBNETS.size()) {
      throw new IllegalArgumentException("a host is behind at most " + NAT_SUBNETS.size()
          + " NATs, not " + nats.length);
    }
    String ns = id + "h" + i;
    String veth = id + "v" + i;
    String side = id + "r" + i;
    String tun = id + "t" + i;
    List<String> chain = new ArrayList<>(List.of(ns));
    for (int level = 1; level <= nats.length; level++) {
      chain.add(ns + "n" + level);
    }
    LabHost host = new LabHost(this, name, ns, chain.get(nats.length), i, profile,
        LabHost.addressOf(hostAddress(i)), List.of(nats),
        nats.length == 0 ? null : LabHost.addressOf(NAT_SUBNETS.get(nats.length - 1) + i + ".2"));
    hosts.add(host);
    for (String n : chain) {
      Shell.run("ip", "netns", "add", n);
      namespaces.add(n);
      Shell.runIn(n, "ip", "link", "set", "lo", "up");
    }
    Shell.run("ip", "link", "add", veth, "netns", ns, "type", "veth", "peer", "name", side,
        "netns", router);
    Shell.runIn(ns, "ip", "link", "set", veth, "name", "eth0");
    Shell.runIn(ns, "ip", "addr", "add", hostAddress(i) + "/24", "dev", "eth0");
    Shell.runIn(ns, "ip", "link", "set", "eth0", "up");
    Shell.runIn(ns, "ip", "route", "add", "default", "via", "10.77." + i + ".1");
    Shell.runIn(router, "ip", "addr", "add", "10.77." + i + ".1/24", "dev", side);
    Shell.runIn(router, "ip", "link", "set", side, "up");

    DelayLine line = DelayLine.start(delayLine, router, tun, profile.delayPerPass(),
        profile.loss(), i, logFile(name + "-delayline"));
    running.add(line);
    delayLines.add(line);
    Shell.runIn(router, "ip", "link", "set", tun, "up");
    String table = Integer.toString(100 + i);
    String net = "10.77." + i + ".0/24";
    Shell.runIn(router, "ip", "route", "add", "default", "dev", tun, "table", table);
    Shell.runIn(router, "ip", "rule", "add", "iif", tun, "to", net, "lookup", "main", "pref", "100");
    Shell.runIn(router, "ip", "rule", "add", "iif", side, "lookup", table, "pref", "200");
    Shell.runIn(router, "ip", "rule", "add", "to", net, "lookup", table, "pref", "300");

    limitRates(host, profile);
    for (int level = 1; level <= nats.length; level++) {
      natBox(chain.get(level - 1), chain.get(level), nats[level - 1],
          NAT_SUBNETS.get(level - 1) + i + ".");
    }
    return host;
  }

  /**
   * Makes {@code box} a NAT of kind {@code nat} in front of {@code behind}: a veth pair between
   * them on {@code subnet} ({@code "a.b.c."}: {@code .1} the box's {@code in0}, {@code .2} the
   * {@code eth0} behind it, whose default route is the box).
   */
  private static void natBox(String box, String behind, Nat nat, String subnet) {
    Shell.runIn(box, "ip", "link", "add", "in0", "type", "veth", "peer", "name", "eth0", "netns",
        behind);
    Shell.runIn(box, "ip", "addr", "add", subnet + "1/24", "dev", "in0");
    Shell.runIn(box, "ip", "link", "set", "in0", "up");
    Shell.runIn(behind, "ip", "addr", "add", subnet + "2/24", "dev", "eth0");
    Shell.runIn(behind, "ip", "link", "set", "eth0", "up");
    Shell.runIn(behind, "ip", "route", "add", "default", "via", subnet + "1");
    Shell.runIn(box, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    Shell.runIn(box, "nft", nat.rules("eth0"));
  }

  private void limitRates(LabHost host, LinkProfile profile) {
    if (profile.downKbit() > 0) {
      limitRate(router, id + "r" + host.index(), profile.downKbit(), profile.queue());
    }
    if (profile.upKbit() > 0) {
      limitRate(host.edgeNamespace(), "eth0", profile.upKbit(), profile.queue());
    }
  }

  /**
   * Moves {@code host} to another network, as a phone that leaves Wi-Fi for 3G: its address
   * changes to the next one of its subnet (the old one is gone, and with it every connection bound
   * to it: no reset, its packets just stop), and its link takes {@code to}'s delay, loss and rates
   * from now on. Programs on the host keep running; the lab's router reaches the new address as it
   * did the old. A host behind NATs keeps its private address: its public one changes, and with it
   * every mapping of its outermost NAT.
   *
   * @return the host's new (public) address
   */
  public synchronized InetAddress move(LabHost host, LinkProfile to) throws IOException {
    String old = host.publicAddress().getHostAddress();
    InetAddress now = host.moved(to);
    String ns = host.edgeNamespace();
    Shell.runIn(ns, "ip", "addr", "del", old + "/24", "dev", "eth0");
    Shell.runIn(ns, "ip", "addr", "add", now.getHostAddress() + "/24", "dev", "eth0");
    Shell.runIn(ns, "ip", "route", "replace", "default", "via", "10.77." + host.index() + ".1");
    // The router forgets the old address's link-layer neighbour; new packets find the new one.
    Shell.tryRun(Shell.in(router, List.of("ip", "neigh", "flush", "dev", id + "r" + host.index())));
    delayLines.get(host.index() - 1).set(to.delayPerPass(), to.loss());
    Shell.tryRun(Shell.in(router, List.of("tc", "qdisc", "del", "dev", id + "r" + host.index(),
        "root")));
    Shell.tryRun(Shell.in(ns, List.of("tc", "qdisc", "del", "dev", "eth0", "root")));
    limitRates(host, to);
    return now;
  }

  private static String hostAddress(int i) {
    return "10.77." + i + ".2";
  }

  /** A token bucket on {@code dev}'s way out: {@code kbit}, with a queue of {@code queue} at that rate. */
  private static void limitRate(String ns, String dev, int kbit, Duration queue) {
    long burstBytes = Math.max(4_096, kbit * 1000L / 8 / 200); // 5 ms at the rate, two frames at least
    Shell.runIn(ns, "tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", kbit + "kbit",
        "burst", Long.toString(burstBytes), "latency", Math.max(1, queue.toMillis()) + "ms");
  }

  /**
   * Records every packet to and from {@code host} that crosses the router from now on, as an
   * observer on its link would see it, into {@code file} (null: stops recording); {@link
   * WireCapture} reads it.
   */
  public void capture(LabHost host, @Nullable Path file) throws IOException {
    delayLines.get(host.index() - 1).capture(file);
  }

  /**
   * Cuts {@code host} off: every packet to or from it is dropped in the router, silently, as when
   * a cable is pulled or a radio loses its signal (no reset, no ICMP error).
   */
  public void cut(LabHost host) {
    String net = "10.77." + host.index() + ".0/24";
    Shell.runIn(router, "ip", "rule", "add", "to", net, "blackhole", "pref", "50");
    Shell.runIn(router, "ip", "rule", "add", "iif", id + "r" + host.index(), "blackhole", "pref",
        "50");
  }

  /**
   * Drops every UDP packet from {@code host} in the router, silently, as a network that lets only
   * TCP through does; TCP still passes.
   */
  public void dropUdpFrom(LabHost host) {
    Shell.runIn(router, "ip", "rule", "add", "iif", id + "r" + host.index(), "ipproto", "udp",
        "blackhole", "pref", "45");
  }

  /** Undoes {@link #cut}. */
  public void restore(LabHost host) {
    String net = "10.77." + host.index() + ".0/24";
    Shell.runIn(router, "ip", "rule", "del", "to", net, "blackhole", "pref", "50");
    Shell.runIn(router, "ip", "rule", "del", "iif", id + "r" + host.index(), "blackhole", "pref",
        "50");
  }

  /**
   * Splits the lab in two: every packet between a host in {@code side} and one not in it is
   * dropped in the router, silently, until {@link #heal}. Hosts on the same side still reach each
   * other.
   */
  public synchronized void partition(Collection<LabHost> side) {
    for (LabHost a : side) {
      for (LabHost b : hosts) {
        if (!side.contains(b)) {
          for (String[] pair : List.of(new String[] {net(a), net(b)}, new String[] {net(b), net(a)})) {
            Shell.runIn(router, "ip", "rule", "add", "from", pair[0], "to", pair[1], "blackhole",
                "pref", "40");
            partitionRules.add(pair);
          }
        }
      }
    }
  }

  /** Joins what {@link #partition} split. */
  public synchronized void heal() {
    for (String[] pair : partitionRules) {
      Shell.runIn(router, "ip", "rule", "del", "from", pair[0], "to", pair[1], "blackhole",
          "pref", "40");
    }
    partitionRules.clear();
  }

  private static String net(LabHost h) {
    return "10.77." + h.index() + ".0/24";
  }

  /** Where the lab keeps its logs and scripts. */
  public Path dir() {
    return dir;
  }

  Path logFile(String label) {
    return dir.resolve(label.replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
  }

  synchronized <T extends AutoCloseable> T track(T p) {
    running.add(p);
    return p;
  }

  /** Stops every process and delay line, and removes every namespace the lab made. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (int k = running.size() - 1; k >= 0; k--) {
      try {
        running.get(k).close();
      } catch (Exception e) {
        // Going on: the namespaces' removal below ends what is left.
      }
    }
    for (int k = namespaces.size() - 1; k >= 0; k--) {
      Shell.tryRun(List.of("ip", "netns", "del", namespaces.get(k)));
    }
    Shell.tryRun(List.of("ip", "netns", "del", router));
    if (Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down already.
      }
    }
  }
}
