package io.loudp2p.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Peer;
import io.loudp2p.PeerMetrics;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.FakeClock;
import io.loudp2p.core.testing.PeerFixture;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two real peers on 127.0.0.1 with both transports, their meters in one registry: one shares a
 * track, the other finds it and plays it to the end, and every meter then says what the peer's
 * own metrics say.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PeerMetersIT extends PeerFixture {
  private static final String UDP = "udp";

  private final FakeClock clock = new FakeClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void everyMeterOfTwoPeersThatStreamedATrackSaysWhatTheirMetricsSay() throws Exception {
    Path music = folderWith("music", "tagged.ogg");
    byte[] track = Files.readAllBytes(music.resolve("tagged.ogg"));
    Peer sharer = start(Peer.builder().share(music));
    Peer listener = start(Peer.builder().bootstrap(at(sharer)));
    new PeerMeters(sharer, Tags.of("role", "sharer"), clock.nanoSource()).bindTo(registry);
    new PeerMeters(listener, Tags.of("role", "listener"), clock.nanoSource()).bindTo(registry);

    List<SearchHit> hits = listener.search("crystalised", SEARCH, h -> { }).get(10, TimeUnit.SECONDS);
    assertThat(hits).isNotEmpty();
    try (StreamSession s = listener.stream(hits.get(0).track().id()).get(10, TimeUnit.SECONDS)) {
      assertThat(s.inputStream().readAllBytes()).isEqualTo(track);
    }
    // Once the session ended at both ends, what the peers count holds still.
    Await.until(() -> sharer.metrics().sessionsServing() == 0
            && listener.metrics().bytesReceived().getOrDefault(UDP, 0L) == track.length,
        Duration.ofSeconds(10), "the session ended at both ends");
    clock.advance(PeerMeters.MAX_AGE); // the next read takes a new snapshot

    for (Peer p : List.of(sharer, listener)) {
      assertMetersAgreeWithMetrics(p);
    }
    assertThat(registry.get("loudp2p.peers.known").gauges())
        .extracting(g -> g.getId().getTag("peer"))
        .containsExactlyInAnyOrder(sharer.id().toString(), listener.id().toString());

    // What each did, as the meters tell it.
    assertThat(counter(sharer, "loudp2p.sessions.served")).isEqualTo(1);
    assertThat(counter(sharer, "loudp2p.sessions.played")).isZero();
    assertThat(counter(sharer, "loudp2p.searches.answered")).isGreaterThanOrEqualTo(1);
    assertThat(counter(sharer, "loudp2p.stream.sent", "transport", UDP))
        .isGreaterThanOrEqualTo(track.length);
    assertThat(gauge(sharer, "loudp2p.sessions.serving")).isZero();
    assertThat(gauge(sharer, "loudp2p.peers.known")).isEqualTo(1);
    assertThat(counter(listener, "loudp2p.sessions.played")).isEqualTo(1);
    assertThat(counter(listener, "loudp2p.sessions.served")).isZero();
    assertThat(counter(listener, "loudp2p.stream.received", "transport", UDP))
        .isEqualTo(track.length);
    assertThat(counter(listener, "loudp2p.stream.received", "transport", "local")).isZero();
    assertThat(gauge(listener, "loudp2p.peers.known")).isEqualTo(1);
    assertThat(registry.get("loudp2p.envelopes.rejected").tag("reason", "REPLAYED")
        .functionCounters()).hasSize(2);
    assertThat(registry.get("loudp2p.datagrams.dropped").tag("transport", UDP)
        .tag("reason", "FAILED_TO_OPEN").functionCounters()).hasSize(2);
    assertThat(registry.getMeters())
        .allSatisfy(m -> assertThat(m.getId().getTag("role")).isNotNull());
  }

  @Test
  void bindingAPeerThatHasNotStartedFails() {
    try (Peer idle = Peer.builder().build()) {
      assertThatThrownBy(() -> new PeerMeters(idle).bindTo(registry))
          .isInstanceOf(IllegalStateException.class);
      assertThat(registry.getMeters()).isEmpty();
    }
  }

  /**
   * Checks each meter of {@code p} against its metrics taken just before and just after the
   * meters are read (one snapshot serves the lot): a count lies between the two, a gauge equals
   * both, and a map's keys are its meter's series, one for one.
   */
  private void assertMetersAgreeWithMetrics(Peer p) {
    PeerMetrics before = p.metrics();
    Map<String, Double> read = new TreeMap<>();
    read.put("peers.known", gauge(p, "loudp2p.peers.known"));
    read.put("sessions.serving", gauge(p, "loudp2p.sessions.serving"));
    read.put("sessions.served", counter(p, "loudp2p.sessions.served"));
    read.put("sessions.played", counter(p, "loudp2p.sessions.played"));
    read.put("searches.answered", counter(p, "loudp2p.searches.answered"));
    read.put("searches.forwarded", counter(p, "loudp2p.searches.forwarded"));
    Map<String, Double> sent = series(p, "loudp2p.stream.sent", id -> id.getTag("transport"));
    Map<String, Double> received =
        series(p, "loudp2p.stream.received", id -> id.getTag("transport"));
    Map<String, Double> rejected =
        series(p, "loudp2p.envelopes.rejected", id -> id.getTag("reason"));
    Map<String, Double> dropped = series(p, "loudp2p.datagrams.dropped",
        id -> id.getTag("transport") + "/" + id.getTag("reason"));
    PeerMetrics after = p.metrics();

    assertThat(read.get("peers.known")).isEqualTo(before.peersKnown()).isEqualTo(after.peersKnown());
    assertThat(read.get("sessions.serving")).isEqualTo(before.sessionsServing())
        .isEqualTo(after.sessionsServing());
    between(read.get("sessions.served"), before, after, PeerMetrics::sessionsServed, "served");
    between(read.get("sessions.played"), before, after, PeerMetrics::sessionsPlayed, "played");
    between(read.get("searches.answered"), before, after, PeerMetrics::searchesAnswered,
        "answered");
    between(read.get("searches.forwarded"), before, after, PeerMetrics::searchesForwarded,
        "forwarded");
    betweenEach(sent, before, after, PeerMetrics::bytesSent, "sent");
    betweenEach(received, before, after, PeerMetrics::bytesReceived, "received");
    betweenEach(rejected, before, after, PeerMetrics::envelopesRejected, "rejected");
    betweenEach(dropped, before, after, PeerMetrics::datagramsDropped, "dropped");
    assertThat(sent).containsKey(UDP);
    assertThat(received).containsKeys(UDP, "local");
    assertThat(rejected).containsKeys("BAD_SIGNATURE", "REPLAYED");
    assertThat(dropped).containsKeys("udp/WRONG_LENGTH", "udp/FAILED_TO_OPEN");
  }

  private static void between(double value, PeerMetrics before, PeerMetrics after,
      ToLongFunction<PeerMetrics> count, String what) {
    assertThat(value).as(what).isBetween((double) count.applyAsLong(before),
        (double) count.applyAsLong(after));
  }

  private static void betweenEach(Map<String, Double> series, PeerMetrics before,
      PeerMetrics after, Function<PeerMetrics, Map<String, Long>> counts, String what) {
    assertThat(series.keySet()).as(what).isEqualTo(counts.apply(after).keySet());
    series.forEach((key, value) -> assertThat(value).as("%s %s", what, key).isBetween(
        (double) counts.apply(before).getOrDefault(key, 0L),
        (double) counts.apply(after).get(key)));
  }

  private double gauge(Peer p, String name) {
    Gauge g = registry.get(name).tag("peer", p.id().toString()).gauge();
    return g.value();
  }

  private double counter(Peer p, String name, String... tags) {
    FunctionCounter c = registry.get(name).tag("peer", p.id().toString()).tags(tags)
        .functionCounter();
    return c.count();
  }

  /** Every series of the function counter {@code name} of {@code p}, by {@code key}. */
  private Map<String, Double> series(Peer p, String name, Function<Meter.Id, String> key) {
    Map<String, Double> out = new TreeMap<>();
    for (FunctionCounter c : registry.get(name).tag("peer", p.id().toString()).functionCounters()) {
      assertThat(out.put(key.apply(c.getId()), c.count())).as("%s of %s", name, key).isNull();
    }
    return out;
  }
}
