package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Relays refuse past their limits, and the refused peer says why in each relay's words (PROTOCOL.md
 * section 10): of two public FULL peers, {@code r1} relays for no one ({@code
 * --relay-reservations 0}) and {@code r2} for one peer at a time. A home peer behind a NAT takes
 * r2's one reservation; a second home peer, behind another NAT, holds none, and its {@code
 * relays} line names both refusals: r1 relays for no one, r2 holds its most.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(Lab.FIRST_LANE)
@Timeout(180)
class RelayRefusalIT extends LabTestBase {
  private static final Duration WITHIN = Duration.ofSeconds(60);

  @Test
  void aRelayPastItsReservationsRefusesAndThePeerSaysWhyInTheRelaysWords() throws Exception {
    assumeThat(Lab.natUnavailable()).as("%s", Lab.natUnavailable().orElse("")).isEmpty();
    LabHost r1 = lab.host("r1", LinkProfile.LAN);
    LabHost r2 = lab.host("r2", LinkProfile.LAN);
    LabHost h1 = lab.host("h1", LinkProfile.LAN, Nat.ENDPOINT_INDEPENDENT);
    LabHost h2 = lab.host("h2", LinkProfile.LAN, Nat.ENDPOINT_INDEPENDENT);
    LabProcess none = r1.share(folder("r1"), dir, null, "--relay-reservations", "0");
    String noneId = peerId(none);
    LabProcess one = r2.share(folder("r2"), dir, r1.peerAddress(), "--relay-reservations", "1");
    String oneId = peerId(one);

    LabProcess first = h1.share(folder("h1"), dir, r1.peerAddress());
    String held = first.awaitLine(l -> l.startsWith("relays   reached through " + oneId + " at ")
        && l.contains("relay " + noneId + " refused"), WITHIN);
    assertThat(held).contains("relay " + noneId + " refused a reservation: no reservation at ")
        .endsWith("RESOURCE_EXHAUSTED this peer relays for no one; try another relay");

    LabProcess second = h2.share(folder("h2"), dir, r1.peerAddress());
    String refused = second.awaitLine(l -> l.startsWith("relays   none | ")
        && l.contains("relay " + noneId + " refused") && l.contains("relay " + oneId + " refused"),
        WITHIN);
    assertThat(refused)
        .contains("RESOURCE_EXHAUSTED this peer relays for no one; try another relay")
        .contains("RESOURCE_EXHAUSTED this relay holds 1 reservations, its most; try another relay");
    assertThat(second.output()).as("the second home peer never held a relay")
        .doesNotContain("relays   reached through");
  }

  private Path folder(String name) throws java.io.IOException {
    return Files.createDirectories(dir.resolve(name));
  }

  /** Waits until {@code share} listens, and returns the peer ID it printed. */
  private static String peerId(LabProcess share) throws InterruptedException {
    share.awaitLine(l -> l.startsWith("listens"), WITHIN);
    return share.awaitLine(l -> l.startsWith("peer "), WITHIN).substring("peer".length()).trim();
  }
}
