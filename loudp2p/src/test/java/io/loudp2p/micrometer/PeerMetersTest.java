package io.loudp2p.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.PeerMetrics;
import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.FakeClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The meters a binder registers, the one snapshot they share per scrape, and their keys. */
class PeerMetersTest {
  private static final String PEER = "LYmN9ouKhDxbPHHZ2kQXmnvaKHyo2Z9Xvf";

  private final FakeClock clock = new FakeClock();
  private final AtomicReference<PeerMetrics> now = new AtomicReference<>(counts(1));
  private final AtomicInteger snapshots = new AtomicInteger();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** Every count {@code n} (bytes {@code 1000 n}), one key a map, but two reasons of drops. */
  private static PeerMetrics counts(long n) {
    return new PeerMetrics((int) n + 10, n + 20, (int) n + 30, n + 40, Map.of("udp", 1000 * n),
        Map.of("udp", 1000 * n + 1, "local", 1000 * n + 2), n + 50, n + 60,
        Map.of("REPLAYED", n + 70), Map.of("udp/WRONG_LENGTH", n + 80, "udp/REPLAYED", n + 90));
  }

  private PeerMeters meters(Tag... tags) {
    return new PeerMeters(() -> {
      snapshots.incrementAndGet();
      return now.get();
    }, PEER, Tags.of(tags), clock.nanoSource());
  }

  private double gauge(String name) {
    return registry.get(name).tag("peer", PEER).gauge().value();
  }

  private double counter(String name, String... tags) {
    return registry.get(name).tag("peer", PEER).tags(tags).functionCounter().count();
  }

  /** Reads every meter, as a scrape does. */
  private void scrape() {
    for (Meter m : registry.getMeters()) {
      m.measure().forEach(io.micrometer.core.instrument.Measurement::getValue);
    }
  }

  @Test
  void registersEveryMeterTaggedWithThePeerAndTheGivenTags() {
    meters(Tag.of("app", "jukebox")).bindTo(registry);

    assertThat(gauge("loudp2p.peers.known")).isEqualTo(11);
    assertThat(gauge("loudp2p.sessions.serving")).isEqualTo(31);
    assertThat(counter("loudp2p.sessions.served")).isEqualTo(21);
    assertThat(counter("loudp2p.sessions.played")).isEqualTo(41);
    assertThat(counter("loudp2p.searches.answered")).isEqualTo(51);
    assertThat(counter("loudp2p.searches.forwarded")).isEqualTo(61);
    assertThat(counter("loudp2p.stream.sent", "transport", "udp")).isEqualTo(1000);
    assertThat(counter("loudp2p.stream.received", "transport", "udp")).isEqualTo(1001);
    assertThat(counter("loudp2p.stream.received", "transport", "local")).isEqualTo(1002);
    assertThat(counter("loudp2p.envelopes.rejected", "reason", "REPLAYED")).isEqualTo(71);
    assertThat(counter("loudp2p.datagrams.dropped", "transport", "udp", "reason", "WRONG_LENGTH"))
        .isEqualTo(81);
    assertThat(counter("loudp2p.datagrams.dropped", "transport", "udp", "reason", "REPLAYED"))
        .isEqualTo(91);
    assertThat(registry.getMeters()).hasSize(12).allSatisfy(m -> {
      assertThat(m.getId().getTag("app")).isEqualTo("jukebox");
      assertThat(m.getId().getDescription()).isNotBlank();
      assertThat(m.getId().getBaseUnit()).isEqualTo(
          m.getId().getName().startsWith("loudp2p.stream.") ? "bytes" : null);
    });
  }

  @Test
  void aPeerWhoseTransportsRelayHasTheRelayMeters() {
    PeerMetrics m = counts(1);
    now.set(new PeerMetrics(m.peersKnown(), m.sessionsServed(), m.sessionsServing(),
        m.sessionsPlayed(), m.bytesSent(), m.bytesReceived(), m.searchesAnswered(),
        m.searchesForwarded(), m.envelopesRejected(), m.datagramsDropped(),
        Map.of("reservations", 3L, "connections", 5L, "bytes", 700L, "refused", 2L)));
    meters().bindTo(registry);

    assertThat(gauge("loudp2p.relay.reservations")).isEqualTo(3);
    assertThat(counter("loudp2p.relay.connections")).isEqualTo(5);
    assertThat(counter("loudp2p.relay.sent")).isEqualTo(700);
    assertThat(counter("loudp2p.relay.refused")).isEqualTo(2);
    assertThat(registry.get("loudp2p.relay.sent").functionCounter().getId().getBaseUnit())
        .isEqualTo("bytes");
    assertThat(registry.getMeters()).as("the 12 of every peer and 4 of a relay").hasSize(16);
  }

  @Test
  void thePeerTagIsThePeersIdWhateverTheGivenTagsSay() {
    meters(Tag.of("peer", "someone else")).bindTo(registry);

    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTag("peer")).isEqualTo(PEER));
  }

  @Test
  void oneSnapshotServesAWholeScrapeAndAnotherIsTakenOnceItIsAHundredMillisecondsOld() {
    meters().bindTo(registry);
    scrape();
    assertThat(snapshots).hasValue(1);

    now.set(counts(2));
    clock.advance(PeerMeters.MAX_AGE.minusNanos(1));
    scrape();
    assertThat(snapshots).hasValue(1);
    assertThat(gauge("loudp2p.peers.known")).isEqualTo(11);

    clock.advance(Duration.ofNanos(1));
    scrape();
    assertThat(snapshots).hasValue(2);
    assertThat(gauge("loudp2p.peers.known")).isEqualTo(12);
    assertThat(counter("loudp2p.stream.sent", "transport", "udp")).isEqualTo(2000);
  }

  @Test
  void countersNeverReportLessThanBeforeWhileGaugesFollowThePeer() {
    meters().bindTo(registry);
    now.set(counts(5));
    clock.advance(PeerMeters.MAX_AGE);
    scrape();
    assertThat(counter("loudp2p.sessions.served")).isEqualTo(25);

    now.set(counts(3)); // a lagging count
    clock.advance(PeerMeters.MAX_AGE);
    assertThat(counter("loudp2p.sessions.served")).isEqualTo(25);
    assertThat(counter("loudp2p.stream.sent", "transport", "udp")).isEqualTo(5000);
    assertThat(gauge("loudp2p.sessions.serving")).isEqualTo(33);

    now.set(counts(7));
    clock.advance(PeerMeters.MAX_AGE);
    assertThat(counter("loudp2p.sessions.served")).isEqualTo(27);
  }

  @Test
  void keysAreTakenWhenBoundAndAScrapeRegistersNothing() {
    meters().bindTo(registry);
    scrape();
    int bound = registry.getMeters().size();
    // A snapshot with a reason not seen when bound, and without one that was.
    now.set(new PeerMetrics(0, 0, 0, 0, Map.of(), Map.of(), 0, 0,
        Map.of("BAD_SIGNATURE", 4L), Map.of("udp/WRONG_LENGTH", 99L)));
    clock.advance(PeerMeters.MAX_AGE);
    scrape();

    assertThat(registry.getMeters()).hasSize(bound);
    assertThat(registry.find("loudp2p.envelopes.rejected").tag("reason", "BAD_SIGNATURE").meter())
        .isNull();
    assertThat(counter("loudp2p.envelopes.rejected", "reason", "REPLAYED"))
        .as("a key gone keeps its count").isEqualTo(71);
    assertThat(counter("loudp2p.datagrams.dropped", "transport", "udp", "reason", "WRONG_LENGTH"))
        .isEqualTo(99);
  }

  @Test
  void bindingAgainRegistersNothingNew() {
    PeerMeters meters = meters();
    meters.bindTo(registry);
    int bound = registry.getMeters().size();
    meters.bindTo(registry);
    meters().bindTo(registry);

    assertThat(registry.getMeters()).hasSize(bound);
  }

  @Test
  void aDropKeyIsSplitIntoTransportAndReason() {
    assertThat(PeerMeters.droppedTags("udp/FAILED_TO_OPEN"))
        .containsExactly(Tag.of("reason", "FAILED_TO_OPEN"), Tag.of("transport", "udp"));
    assertThat(PeerMeters.droppedTags("odd"))
        .containsExactly(Tag.of("reason", ""), Tag.of("transport", "odd"));
  }

  @Test
  void metersOfABinderNoOneHoldsKeepReporting() {
    meters().bindTo(registry);
    // Wait, bounded, until a collection ran that would have cleared what only the meters
    // reference weakly.
    WeakReference<Object> probe = new WeakReference<>(new Object());
    Await.until(() -> {
      System.gc();
      return probe.get() == null;
    }, Duration.ofSeconds(10), "a garbage collection");

    assertThat(counter("loudp2p.sessions.served")).isEqualTo(21);
    assertThat(gauge("loudp2p.peers.known")).isEqualTo(11);
  }
}
