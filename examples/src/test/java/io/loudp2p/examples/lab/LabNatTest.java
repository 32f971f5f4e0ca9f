package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The lab's NATs are what they claim: an endpoint-independent one shows two servers one public
 * address and port, a symmetric one a port per server, two in a row the outer one's address; and
 * none lets in what the inside did not ask for, UDP or TCP, while the replies it asked for come.
 * The tests share one lab and its two public echo servers; each puts its own host behind NATs.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(Lab.SECOND_LANE)
@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabNatTest {
  private static final Duration START = Duration.ofSeconds(20);
  private static final String PORT = "9000";

  @TempDir static Path dir;
  private Lab lab;
  /** Two public hosts, each running {@code LabEcho serve}. */
  private LabHost one;
  private LabHost two;

  @BeforeAll
  void labWithTwoEchoServers() throws Exception {
    Optional<String> missing = Lab.natUnavailable();
    assumeThat(missing).as("%s", missing.orElse("")).isEmpty();
    lab = Lab.open(dir);
    lab.jvmOptions(Lab.TEST_JVM_OPTIONS);
    one = lab.host("one", LinkProfile.LAN);
    two = lab.host("two", LinkProfile.LAN);
    LabProcess a = echo(one, "serve", PORT);
    LabProcess b = echo(two, "serve", PORT);
    a.awaitLine(l -> l.startsWith("serving"), START);
    b.awaitLine(l -> l.startsWith("serving"), START);
  }

  @AfterAll
  void closeLab() {
    if (lab != null) {
      lab.close();
    }
  }

  private static LabProcess echo(LabHost h, String mode, String... args) throws Exception {
    String[] all = new String[args.length + 1];
    all[0] = mode;
    System.arraycopy(args, 0, all, 1, args.length);
    return h.startJava(mode + "-" + System.nanoTime(), LabEcho.class.getName(), all);
  }

  private static String at(LabHost h) {
    return h.publicAddress().getHostAddress() + ":" + PORT;
  }

  /** Starts {@code ask} on {@code h}, one socket towards both servers; waits for their answers. */
  private LabProcess ask(LabHost h, long waitMs) throws Exception {
    LabProcess asking = echo(h, "ask", Long.toString(waitMs), at(one), at(two));
    asking.awaitLine(l -> l.equals("listening"), START);
    return asking;
  }

  /** What {@code server} saw of {@code asking}'s socket: {@code ip:port}. */
  private static String saw(LabProcess asking, LabHost server) throws Exception {
    String prefix = at(server) + " saw ";
    String line = asking.awaitLine(l -> l.startsWith(prefix), START);
    System.out.println(asking + ": " + line);
    return line.substring(prefix.length());
  }

  private static String ip(String ipPort) {
    return ipPort.substring(0, ipPort.lastIndexOf(':'));
  }

  private static String port(String ipPort) {
    return ipPort.substring(ipPort.lastIndexOf(':') + 1);
  }

  @Test
  void anEndpointIndependentNatShowsEveryServerOnePublicAddressAndPort() throws Exception {
    LabHost home = lab.host("home", LinkProfile.LAN, Nat.ENDPOINT_INDEPENDENT);
    assertThat(home.address()).isNotEqualTo(home.publicAddress());
    assertThat(home.namespace()).isNotEqualTo(home.edgeNamespace());

    LabProcess asking = ask(home, 3000);
    String byOne = saw(asking, one);
    assertThat(saw(asking, two)).isEqualTo(byOne);
    assertThat(ip(byOne)).isEqualTo(home.publicAddress().getHostAddress());
    // Masquerading keeps the inside port where it is free, as it is here.
    assertThat(port(byOne)).isEqualTo(asking.awaitLine(l -> l.startsWith("bound "), START)
        .substring("bound ".length()));

    // A move changes the public address, not the private one.
    String before = home.address().getHostAddress();
    String moved = lab.move(home, LinkProfile.LAN).getHostAddress();
    LabProcess after = ask(home, 3000);
    assertThat(ip(saw(after, one))).isEqualTo(moved).isNotEqualTo(ip(byOne));
    assertThat(home.address().getHostAddress()).isEqualTo(before);
  }

  @Test
  void aSymmetricNatShowsEachServerAPortOfItsOwn() throws Exception {
    LabHost phone = lab.host("phone", LinkProfile.LAN, Nat.ADDRESS_AND_PORT_DEPENDENT);
    LabProcess asking = ask(phone, 3000);
    String byOne = saw(asking, one);
    String byTwo = saw(asking, two);
    assertThat(ip(byOne)).isEqualTo(ip(byTwo)).isEqualTo(phone.publicAddress().getHostAddress());
    assertThat(port(byOne)).isNotEqualTo(port(byTwo));
  }

  @Test
  void behindACarrierNatAndAHomeNatServersSeeTheCarriersAddress() throws Exception {
    LabHost home = lab.host("double", LinkProfile.LAN, Nat.ENDPOINT_INDEPENDENT,
        Nat.ENDPOINT_INDEPENDENT);
    assertThat(home.nats()).hasSize(2);
    assertThat(home.address().getHostAddress()).startsWith("192.168.");
    LabProcess asking = ask(home, 3000);
    String byOne = saw(asking, one);
    assertThat(saw(asking, two)).isEqualTo(byOne);
    assertThat(ip(byOne)).isEqualTo(home.publicAddress().getHostAddress());
  }

  @Test
  void onlyWhatTheInsideAskedForComesIn() throws Exception {
    LabHost stranger = lab.host("stranger", LinkProfile.LAN);
    LabHost home = lab.host("guarded", LinkProfile.LAN, Nat.ENDPOINT_INDEPENDENT);
    // The inside listens on TCP (and UDP) too: only the NAT keeps strangers from it.
    echo(home, "serve", PORT).awaitLine(l -> l.startsWith("serving"), START);

    LabProcess asking = ask(home, 20_000);
    String mapped = saw(asking, one);
    // Unasked: a host the inside never sent to, and a server it did, but from another port.
    LabProcess fromStranger = echo(stranger, "send", mapped, "unasked-stranger");
    LabProcess fromOtherPort = echo(one, "send", mapped, "unasked-port");
    LabProcess inbound = echo(stranger, "connect", ip(mapped) + ":" + PORT, "2000");
    LabProcess outbound = echo(home, "connect", at(one), "2000");
    // Where nothing listens, a host without NAT refuses, and says so to UDP.
    String nobody = two.publicAddress().getHostAddress() + ":9001";
    LabProcess closed = echo(stranger, "connect", nobody, "2000");
    LabProcess closedUdp = echo(stranger, "send", nobody, "to-nobody");
    assertThat(fromStranger.awaitExit(START)).isZero();
    assertThat(fromOtherPort.awaitExit(START)).isZero();
    // No ICMP error comes back from the NAT either.
    assertThat(fromStranger.output()).endsWith("silence");
    assertThat(fromOtherPort.output()).endsWith("silence");
    // Asked for: server one, from the port the inside sent to, sends again.
    LabProcess relay = echo(one, "send", "127.0.0.1:" + PORT, "relay " + mapped + " stop");
    assertThat(relay.awaitExit(START)).isZero();
    assertThat(asking.awaitExit(START)).as(asking.tail()).isZero();
    assertThat(asking.output()).contains("from " + at(one) + " stop").doesNotContain("unasked");

    assertThat(outbound.awaitLine(l -> !l.isBlank(), START))
        .matches("connected " + ip(mapped).replace(".", "\\.") + ":[0-9]+");
    // A connection to the NAT is not refused: it is never answered.
    assertThat(inbound.awaitLine(l -> !l.isBlank(), START)).isEqualTo("timeout");
    assertThat(closed.awaitLine(l -> !l.isBlank(), START)).startsWith("refused");
    assertThat(closedUdp.awaitLine(l -> !l.equals("sent"), START)).isEqualTo("unreachable");
  }
}
