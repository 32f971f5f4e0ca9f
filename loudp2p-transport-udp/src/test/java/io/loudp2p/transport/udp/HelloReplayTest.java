package io.loudp2p.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.Await;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.transport.udp.internal.Drops;
import io.loudp2p.transport.udp.internal.UdpDataTransport;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An observer on the path that replays the receiver's datagrams from its own address, each ahead
 * of the original, neither takes the session nor keeps its receiver from opening it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HelloReplayTest extends UdpTestBase {
  @Test
  void copiesOfTheReceiversDatagramsSentAheadFromAnotherAddressNeitherPinNorMoveTheSession()
      throws Exception {
    UdpDataTransport source = transport();
    UdpDataTransport receiver = transport();
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(21);
    byte[] track = tracks.add(id, 1024 * 1024 + 5, 21);
    DataServer server = later(source.serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    DataOffer offer = server.prepare(id, receiver.prepare(id));
    ReplayTap tap = later(new ReplayTap(offer.endpoint()));

    // Every datagram of the receiver's reaches the source first as the attacker's copy: the first
    // HELLO the source hears comes from the attacker. The receiver still opens within the open
    // timeout, through the tap's forwarding socket.
    TrackFetch fetch = new TrackFetch(track, 16);
    fetch.session = receiver.open(tap.address(), id, new byte[] {1}, offer.publicKey(), fetch)
        .get(5, TimeUnit.SECONDS);
    assertThat(tap.replayed.get()).as("copies the attacker sent ahead").isPositive();
    fetch.start();
    Await.until(() -> fetch.bytes.get() > 0, Duration.ofSeconds(5), "the first bytes arrived");

    // Once data flows, the session is the receiver's. The tap's fresh copies from the attacker's
    // address look like a receiver that moved: each may draw a path challenge (an ACCEPT sealed
    // under a key the attacker lacks, 58 bytes), at most one per 100 ms, and nothing else. A
    // replay of everything captured so far (packet numbers already used) draws nothing. The
    // session never moves: the attacker cannot echo the challenge's token.
    long attackerHeard = tap.toAttacker.get();
    long pinnedAtNs = System.nanoTime();
    tap.replayAllFromAttacker();
    fetch.await(15_000);
    long replays = tap.captured.size();
    Await.until(() -> tap.replayed.get() >= replays, Duration.ofSeconds(5), "the replay went out");
    UdpDataTransport.Stats stats = source.stats(); // a turn of the source's loops
    // One more than the interval allows: a challenge sent just before the count was read may be
    // counted just after it.
    long challengesAllowed = (System.nanoTime() - pinnedAtNs) / 100_000_000L + 2;
    assertThat(tap.toAttacker.get() - attackerHeard)
        .as("path challenges the source sent to the attacker after pinning")
        .isLessThanOrEqualTo(challengesAllowed);
    assertThat(tap.largestToAttacker.get()).as("the largest datagram the attacker got")
        .isLessThanOrEqualTo(58);
    assertThat(stats.pathChanges()).as("moves of the session").isZero();
    // Before pinning, the source answered at most the attacker's copies of the HELLO, with an
    // ACCEPT the attacker cannot open: never a chunk byte.
    assertThat(attackerHeard).as("answers to the attacker's copies")
        .isLessThanOrEqualTo(8);
    // Its copies of the receiver's ECHO did not pin the session: they carry the token of the
    // receiver's address, not the attacker's.
    assertThat(source.drops().get(Drops.Reason.UNVALIDATED_ADDRESS)).isPositive();
  }
}
