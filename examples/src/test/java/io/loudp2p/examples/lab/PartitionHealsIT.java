package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.examples.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A network of six peer processes on six lab hosts is cut in two for 60 s (the router drops
 * every packet between the sides, silently) and joined again: a search from one side for a track shared only
 * on the other fails across the cut and succeeds again within two minutes of the link's return.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(Lab.FIRST_LANE)
@Timeout(420)
class PartitionHealsIT extends LabTestBase {
  @Test
  void searchesAcrossACutSucceedAgainWithinTwoMinutesOfTheLinkComingBack() throws Exception {
    List<LabHost> sideA = new ArrayList<>();
    List<LabHost> sideB = new ArrayList<>();
    List<LabProcess> peers = new ArrayList<>();
    String seed = null;
    for (int i = 0; i < 6; i++) {
      LabHost h = lab.host((i < 3 ? "a" : "b") + i, LinkProfile.LAN);
      (i < 3 ? sideA : sideB).add(h);
      Path music = Files.createDirectories(dir.resolve(h.name()).resolve("music"));
      if (i == 5) {
        Files.write(music.resolve("faraway.wav"), LabAudio.noiseWav(2, 3));
      }
      peers.add(h.share(music, dir, seed));
      if (seed == null) { // the others join through it: it must listen first
        peers.get(0).awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
        seed = h.peerAddress();
      }
    }
    for (LabProcess p : peers) {
      p.awaitLine(l -> l.startsWith("shares   "), Duration.ofSeconds(90));
    }
    LabHost asker = sideA.get(1);
    String from = seed;
    assertThat(search(asker, from, Duration.ofSeconds(60))).as("before the cut").isTrue();

    lab.partition(sideA);
    // For 60 s every search across the cut fails, while shuffles and calls across it fail too and
    // each side drops the other from its views. A search starts every 12 s (each is a new JVM:
    // back to back they would take a processor from the tests beside this one).
    long cutAt = System.nanoTime();
    long cutUntil = cutAt + Duration.ofSeconds(60).toNanos();
    int across = 0;
    do {
      assertThat(search(asker, from, Duration.ZERO)).as("search %d across the cut", across++)
          .isFalse();
      long next = cutAt + across * Duration.ofSeconds(12).toNanos();
      for (long wait = next - System.nanoTime(); wait > 0; wait = next - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
    } while (System.nanoTime() < cutUntil);

    lab.heal();
    long healed = System.nanoTime();
    boolean found = search(asker, from, Duration.ofSeconds(150));
    long ms = (System.nanoTime() - healed) / 1_000_000;
    System.out.println("a search found across the healed cut " + ms + " ms after it healed");
    assertThat(found).as("a search across the healed cut within 150 s").isTrue();
    assertThat(ms).isLessThan(150_000);
  }

  /**
   * Whether the search command, run on {@code host} through {@code bootstrap}, finds the track;
   * tried again every few seconds for {@code within} (once when zero).
   */
  private boolean search(LabHost host, String bootstrap, Duration within) throws Exception {
    long until = System.nanoTime() + within.toNanos();
    int attempt = 0;
    do {
      LabProcess p = host.startJava("search" + attempt++, Main.class.getName(), "search",
          "faraway", "--timeout", "3", "--bootstrap", bootstrap, "--listen",
          host.address().getHostAddress() + ":0");
      if (p.awaitExit(Duration.ofSeconds(60)) == 0 && p.output().contains("faraway")) {
        return true;
      }
    } while (System.nanoTime() < until);
    return false;
  }
}
