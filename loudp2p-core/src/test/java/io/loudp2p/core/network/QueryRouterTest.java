package io.loudp2p.core.network;

import static io.loudp2p.core.network.Records.NOW;
import static io.loudp2p.core.network.Records.full;
import static io.loudp2p.core.network.Records.id;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.core.proto.v1.SearchQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QueryRouterTest {
  private final QueryRouter<String> router = new QueryRouter<>(id(0), new Random(1));
  private final List<NodeRecord> neighbours = new ArrayList<>();

  QueryRouterTest() {
    for (int i = 1; i <= 12; i++) {
      neighbours.add(full(i));
    }
  }

  private static SearchQuery query(int ttl, int walkers) {
    return SearchQuery.newBuilder().setQueryId(ByteString.copyFrom(new byte[16])).addTerms("sigur")
        .setTtl(ttl).setWalkers(walkers).build();
  }

  @Test
  void dropsADuplicateAndSendsHitsBackTheWayTheQueryCame() {
    QueryRouter.Decision first = router.route(query(3, 0), id(1), "from-1", neighbours, NOW);
    QueryRouter.Decision again = router.route(query(3, 0), id(2), "from-2", neighbours, NOW);

    assertThat(first.duplicate()).isFalse();
    assertThat(again.duplicate()).isTrue();
    assertThat(router.upstream(query(3, 0).getQueryId(), NOW)).isEqualTo("from-1");
    assertThat(router.upstream(query(3, 0).getQueryId(), NOW + QueryRouter.ROUTE_LIFETIME_MS)).isNull();
  }

  @Test
  void aReleasedRouteHoldsNoUpstreamButStillDropsTheDuplicate() {
    router.route(query(3, 0), id(1), "from-1", neighbours, NOW);
    router.release(query(3, 0).getQueryId());
    assertThat(router.upstream(query(3, 0).getQueryId(), NOW)).isNull();
    assertThat(router.route(query(3, 0), id(2), "from-2", neighbours, NOW + 1).duplicate()).isTrue();
  }

  @Test
  void floodingSendsToEveryNeighbourButTheSenderWithOneHopLess() {
    QueryRouter.Decision d = router.route(query(3, 0), id(1), "x", neighbours, NOW);
    assertThat(d.forwards()).hasSize(11).allMatch(f -> f.query().getTtl() == 2)
        .noneMatch(f -> f.to().equals(id(1)));
  }

  @Test
  void neverForwardsAtTtlZeroAndCutsTtlToSeven() {
    assertThat(router.route(query(0, 0), id(1), "x", neighbours, NOW).forwards()).isEmpty();
    QueryRouter<String> other = new QueryRouter<>(id(0), new Random(1));
    assertThat(other.route(query(200, 0), id(1), "x", neighbours, NOW).forwards())
        .allMatch(f -> f.query().getTtl() == QueryRouter.MAX_TTL - 1);
  }

  @Test
  void routingStartsWalkersAndSendsToPeersWhoseSummaryMatches() {
    router.learn(full(40), KeywordSummary.of(List.of("Sigur Rós — Ágætis byrjun")), NOW);
    router.learn(full(41), KeywordSummary.of(List.of("Radiohead")), NOW);
    QueryRouter.Decision d = router.route(query(7, 3), null, "me", neighbours, NOW);

    assertThat(d.forwards()).filteredOn(f -> f.query().getTtl() == 0)
        .extracting(QueryRouter.Forward::to).containsExactly(id(40));
    assertThat(d.forwards()).filteredOn(f -> f.query().getTtl() == 6).hasSize(3)
        .allMatch(f -> f.query().getWalkers() == 1);
  }

  @Test
  void keepsTheRecordOfEachSummarySenderUntilItIsForgotten() {
    NodeRecord sender = full(40);
    router.learn(sender, KeywordSummary.of(List.of("Sigur Rós")), NOW);
    // Where a query sent ahead goes, whether or not the sender is still in the view or the table.
    assertThat(router.summarySender(id(40))).isSameAs(sender);
    assertThat(router.summarySender(id(41))).isNull();
    assertThat(router.route(query(7, 3), null, "me", List.of(), NOW).forwards())
        .extracting(QueryRouter.Forward::to).containsExactly(id(40));
    router.forget(id(40));
    assertThat(router.summarySender(id(40))).isNull();
  }

  @Test
  void checkRefusesMalformedQueries() {
    assertThat(QueryRouter.check(query(7, 8), 16, 64)).isNull();
    assertThat(QueryRouter.check(query(7, 17), 16, 64)).contains("walkers");
    assertThat(QueryRouter.check(query(7, 1).toBuilder().setQueryId(ByteString.EMPTY).build(), 16, 64))
        .contains("query_id");
    assertThat(QueryRouter.check(query(7, 1).toBuilder().clearTerms().build(), 16, 64)).contains("terms");
  }
}
