package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.SignedPeerRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The peer table: newer records replace older ones, and no single peer or network fills it. */
class PeerTableTest {
  private static final EnvelopeOpener OPENER = EnvelopeOpener.withDefaults();

  private static SignedPeerRecord record(Identity who, long sequence, int a, int b, int c, int d)
      throws Exception {
    PeerRecord r = PeerRecord.newBuilder().setSequence(sequence)
        .setExpiresAtMs(System.currentTimeMillis() + 3_600_000)
        .addEndpoints(Endpoint.newBuilder().setTransport(TransportKind.TRANSPORT_KIND_GRPC)
            .setIp(ByteString.copyFrom(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}))
            .setPort(7070))
        .build();
    return OPENER.openRecord(new EnvelopeSealer(who).sealRecord(r));
  }

  @Test
  void aHigherSequenceReplacesTheRecordAndALowerOneChangesNothing() throws Exception {
    PeerTable table = new PeerTable(Identity.generate().peerId(), System::currentTimeMillis);
    Identity moving = Identity.generate();
    assertThat(table.offer(record(moving, 5, 10, 0, 0, 1))).isTrue();
    assertThat(table.offer(record(moving, 9, 10, 0, 1, 1))).isTrue();
    assertThat(table.offer(record(moving, 7, 10, 0, 2, 1))).isFalse();

    assertThat(table.get(moving.peerId()).orElseThrow().control().getAddress().getHostAddress())
        .isEqualTo("10.0.1.1");
  }

  @Test
  void forgetsRecordsThatExpired() throws Exception {
    long[] now = {System.currentTimeMillis()};
    PeerTable table = new PeerTable(Identity.generate().peerId(), () -> now[0]);
    Identity p = Identity.generate();
    SignedPeerRecord r = record(p, 1, 10, 0, 0, 1);
    assertThat(table.offer(r)).isTrue();
    assertThat(table.get(p.peerId())).isPresent();

    now[0] = r.record().getExpiresAtMs() - 1;
    assertThat(table.get(p.peerId())).isPresent();
    now[0] = r.record().getExpiresAtMs(); // the end of its validity
    assertThat(table.get(p.peerId())).isEmpty();
    assertThat(table.all()).isEmpty();
    assertThat(table.sample(10, new java.util.Random(1))).isEmpty();
    assertThat(table.size()).isZero();
  }

  /** What a table's changes said, in order: "+id" for a join, "-id" for a leave. */
  private static final class Told implements PeerTable.Changes {
    final List<String> said = new ArrayList<>();

    @Override
    public void joined(PeerTable.Entry entry) {
      said.add("+" + entry.record().peerId());
    }

    @Override
    public void left(PeerId id) {
      said.add("-" + id);
    }
  }

  @Test
  void aPeerJoinsWhenLearntOrAnsweringAgainAndLeavesWhenSilentOrForgotten() throws Exception {
    long[] now = {System.currentTimeMillis()};
    Told told = new Told();
    PeerTable table = new PeerTable(Identity.generate().peerId(), () -> now[0], told);
    Identity p = Identity.generate();
    PeerId id = p.peerId();

    table.offer(record(p, 1, 10, 0, 0, 1));
    table.offer(record(p, 2, 10, 0, 0, 2)); // a newer record of a peer known: no join
    table.reachable(id, true);
    assertThat(told.said).containsExactly("+" + id);

    table.reachable(id, false); // it stopped answering
    table.reachable(id, false);
    table.offer(record(p, 3, 10, 0, 0, 3)); // relayed news of it, still not answering
    assertThat(told.said).containsExactly("+" + id, "-" + id);

    table.reachable(id, true); // it answered again
    SignedPeerRecord last = table.get(id).orElseThrow().record();
    now[0] = last.record().getExpiresAtMs();
    assertThat(table.all()).isEmpty(); // its record expired
    assertThat(told.said).containsExactly("+" + id, "-" + id, "+" + id, "-" + id);

    Identity silent = Identity.generate(); // forgotten while it had left: no second leave
    table.offer(record(silent, 1, 10, 0, 1, 1));
    table.reachable(silent.peerId(), false);
    now[0] += 7_200_000;
    assertThat(table.get(silent.peerId())).isEmpty();
    assertThat(told.said).endsWith("+" + silent.peerId(), "-" + silent.peerId());
    assertThat(told.said).hasSize(6);
  }

  @Test
  void aPeerPushedOutToMakeRoomLeavesUnlessItHadLeftAlready() throws Exception {
    Told told = new Told();
    PeerTable table = new PeerTable(Identity.generate().peerId(), System::currentTimeMillis, told);
    for (int i = 0; i < PeerTable.MAX_PEERS; i++) {
      Identity p = Identity.generate();
      table.offer(record(p, 1, 10, i / 32, i % 32, 1), p.peerId());
    }
    assertThat(told.said).hasSize(PeerTable.MAX_PEERS).allMatch(s -> s.startsWith("+"));
    String oldest = told.said.get(0).substring(1);
    String next = told.said.get(1).substring(1);
    told.said.clear();

    Identity newcomer = Identity.generate();
    assertThat(table.offer(record(newcomer, 1, 11, 0, 0, 1), newcomer.peerId())).isTrue();
    assertThat(told.said).containsExactly("-" + oldest, "+" + newcomer.peerId());

    table.reachable(PeerId.parse(next), false);
    told.said.clear();
    Identity another = Identity.generate();
    assertThat(table.offer(record(another, 1, 11, 0, 1, 1), another.peerId())).isTrue();
    assertThat(told.said).as("the silent one made room, and had left already")
        .containsExactly("+" + another.peerId());
  }

  @Test
  void onePeerRelaysAtMostItsShareOfRecords() throws Exception {
    PeerTable table = new PeerTable(Identity.generate().peerId(), System::currentTimeMillis);
    PeerId relay = Identity.generate().peerId();
    int kept = 0;
    for (int i = 0; i < PeerTable.MAX_PER_SOURCE + 20; i++) {
      if (table.offer(record(Identity.generate(), 1, 10, i / 200, i % 200, 1), relay)) {
        kept++;
      }
    }
    assertThat(kept).isEqualTo(PeerTable.MAX_PER_SOURCE);

    // Records the peers send themselves are not a relay's to count, and another relay has room.
    Identity direct = Identity.generate();
    assertThat(table.offer(record(direct, 1, 11, 0, 0, 1), direct.peerId())).isTrue();
    assertThat(table.offer(record(Identity.generate(), 1, 11, 0, 1, 1), Identity.generate().peerId()))
        .isTrue();
    assertThat(table.size()).isEqualTo(PeerTable.MAX_PER_SOURCE + 2);
  }

  @Test
  void relayedRecordsTakeAtMostHalfTheTableAndNeverPushOutPeersHeardFromThemselves()
      throws Exception {
    PeerTable table = new PeerTable(Identity.generate().peerId(), System::currentTimeMillis);
    List<PeerId> firstHand = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      Identity p = Identity.generate();
      assertThat(table.offer(record(p, 1, 10, i / 200, i % 200, 1), p.peerId())).isTrue();
      firstHand.add(p.peerId());
    }
    // Ten relays (think: throwaway identities) pass on their whole share of others' records.
    for (int r = 0; r < 10; r++) {
      PeerId relay = Identity.generate().peerId();
      for (int i = 0; i < PeerTable.MAX_PER_SOURCE; i++) {
        table.offer(record(Identity.generate(), 1, 20 + r, i, 0, 1), relay);
      }
    }
    assertThat(table.all().stream().filter(e -> e.source() != null).count())
        .isEqualTo(PeerTable.MAX_PEERS - 600);
    // Peers heard from themselves take the places of relayed records, never of each other.
    for (int i = 0; i < 200; i++) {
      Identity p = Identity.generate();
      assertThat(table.offer(record(p, 1, 30, i, 0, 1), p.peerId())).isTrue();
      firstHand.add(p.peerId());
    }
    assertThat(table.size()).isEqualTo(PeerTable.MAX_PEERS);
    for (PeerId p : firstHand) {
      assertThat(table.get(p)).isPresent();
    }
    assertThat(table.all().stream().filter(e -> e.source() != null).count())
        .isEqualTo(PeerTable.MAX_PEERS - 800);
  }

  @Test
  void aTableFullOfPeersHeardFromThemselvesTakesNoRelayedRecordAndStaysWithinItsBound()
      throws Exception {
    PeerTable table = new PeerTable(Identity.generate().peerId(), System::currentTimeMillis);
    for (int i = 0; i < PeerTable.MAX_PEERS; i++) {
      Identity p = Identity.generate();
      assertThat(table.offer(record(p, 1, 10 + i / 6_000, i / 30 % 200, i % 30, 1), p.peerId()))
          .isTrue();
    }
    assertThat(table.size()).isEqualTo(PeerTable.MAX_PEERS);

    PeerId relay = Identity.generate().peerId();
    Identity relayed = Identity.generate();
    assertThat(table.offer(record(relayed, 1, 40, 0, 0, 1), relay)).isFalse();
    assertThat(table.get(relayed.peerId())).isEmpty();
    assertThat(table.size()).isEqualTo(PeerTable.MAX_PEERS);
  }

  @Test
  void relayedRecordsAloneFillHalfTheTable() throws Exception {
    PeerTable table = new PeerTable(Identity.generate().peerId(), System::currentTimeMillis);
    for (int r = 0; r < 10; r++) {
      PeerId relay = Identity.generate().peerId();
      for (int i = 0; i < PeerTable.MAX_PER_SOURCE; i++) {
        table.offer(record(Identity.generate(), 1, 20 + r, i, 0, 1), relay);
      }
    }
    assertThat(table.size()).isEqualTo(PeerTable.MAX_RELAYED);
  }

  @Test
  void manyIdentitiesAnnouncingThemselvesFromOneNetworkFillOnlyItsShare() throws Exception {
    PeerTable table = new PeerTable(Identity.generate().peerId(), System::currentTimeMillis);
    java.net.InetAddress attacker = java.net.InetAddress.getByName("198.51.100.7");
    int kept = 0;
    for (int i = 0; i < PeerTable.MAX_PER_BLOCK + 10; i++) {
      Identity sybil = Identity.generate();
      // Each claims an address in a block of its own, but they all call from one network.
      if (table.offer(record(sybil, 1, 10, i, 0, 1), sybil.peerId(), attacker)) {
        kept++;
      }
    }
    assertThat(kept).isEqualTo(PeerTable.MAX_PER_BLOCK);
    Identity honest = Identity.generate();
    assertThat(table.offer(record(honest, 1, 11, 0, 0, 1), honest.peerId(),
        java.net.InetAddress.getByName("203.0.113.9"))).isTrue();
    // Loopback is exempt, as in tests and demos on one machine.
    Identity local = Identity.generate();
    for (int i = 0; i < PeerTable.MAX_PER_BLOCK + 1; i++) {
      Identity p = Identity.generate();
      assertThat(table.offer(record(p, 1, 12, i, 0, 1), p.peerId(),
          java.net.InetAddress.getLoopbackAddress())).isTrue();
    }
    assertThat(table.offer(record(local, 1, 13, 0, 0, 1), local.peerId(),
        java.net.InetAddress.getLoopbackAddress())).isTrue();
  }

  @Test
  void oneAddressBlockHoldsAtMostItsShareButLoopbackIsExempt() throws Exception {
    PeerTable table = new PeerTable(Identity.generate().peerId(), System::currentTimeMillis);
    int kept = 0;
    for (int i = 0; i < PeerTable.MAX_PER_BLOCK + 10; i++) {
      Identity p = Identity.generate();
      if (table.offer(record(p, 1, 192, 0, 2, i + 1), p.peerId())) {
        kept++;
      }
    }
    assertThat(kept).isEqualTo(PeerTable.MAX_PER_BLOCK);
    Identity elsewhere = Identity.generate();
    assertThat(table.offer(record(elsewhere, 1, 192, 0, 3, 1))).isTrue();

    int loopback = 0;
    for (int i = 0; i < PeerTable.MAX_PER_BLOCK + 10; i++) {
      if (table.offer(record(Identity.generate(), 1, 127, 0, 0, 1))) {
        loopback++;
      }
    }
    assertThat(loopback).isEqualTo(PeerTable.MAX_PER_BLOCK + 10);
  }
}
