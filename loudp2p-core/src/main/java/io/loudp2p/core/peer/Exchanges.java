package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Peer exchange (PROTOCOL.md §3.1), both ways: greets a peer with this peer's record and a sample
 * of its table and learns the records it answers with, and answers others' greetings alike. Owns no
 * state; thread-safe.
 */
final class Exchanges {
  /** Most records of others sent in one peer exchange. */
  static final int EXCHANGE_SAMPLE = 32;

  private final PeerContext ctx;
  private final ControlClient client;
  private final PeerStore store;
  private final SelfRecord self;
  private final Summaries summaries;

  Exchanges(PeerContext ctx, ControlClient client, PeerStore store, SelfRecord self,
      Summaries summaries) {
    this.ctx = ctx;
    this.client = client;
    this.store = store;
    this.self = self;
    this.summaries = summaries;
  }

  /** Greets a peer: sends this peer's record and a sample, learns its record and sample. */
  CompletableFuture<PeerId> exchange(InetSocketAddress address) {
    return exchange(address, null);
  }

  /**
   * Greets the peer {@code expected} at {@code address} (any peer there when null): another peer's
   * answer is refused, by TLS where the connection speaks it and by the answer's signature always.
   */
  CompletableFuture<PeerId> exchange(InetSocketAddress address, @Nullable PeerId expected) {
    Payload.Builder request = Payload.newBuilder().setPeerExchange(message(null));
    return client.call(address, ControlMethod.EXCHANGE_PEERS, request, expected,
        ctx.config.callDeadline()).thenApply(answer -> {
          PeerExchange pe = answer.payload().getPeerExchange();
          ingest(answer.sender(), pe, address.getAddress());
          InetSocketAddress seen = pe.hasObservedAddress()
              ? PeerTable.address(pe.getObservedAddress()) : null;
          if (seen != null) {
            self.observed().observed(answer.sender(), seen.getAddress(), ctx.nowMs());
          }
          store.table().reachable(answer.sender(), true);
          return answer.sender();
        });
  }

  /** Answers a greeting: learns what it carries, answers with this peer's record and sample. */
  void answer(SignedMessage request, InetSocketAddress remote, ControlResponder responder) {
    ingest(request.sender(), request.payload().getPeerExchange(), remote.getAddress());
    responder.reply(ctx.seal(Payload.newBuilder().setPeerExchange(message(request.sender())
        .setObservedAddress(SelfRecord.endpoint(TransportKind.TRANSPORT_KIND_GRPC, remote)))));
  }

  /**
   * This peer's record, its summary, and a sample of other peers' records: not of peers it failed
   * to reach, not the record of {@code to} (the peer answered), and not records without an
   * endpoint to call (PROTOCOL.md §3).
   */
  private PeerExchange.Builder message(@Nullable PeerId to) {
    PeerExchange.Builder pe = PeerExchange.newBuilder().setSelfRecord(self.current());
    for (PeerTable.Entry e : store.table().sample(EXCHANGE_SAMPLE, ctx.random, true)) {
      if (e.control() != null && !e.record().peerId().equals(to)) {
        pe.addSample(e.record().envelope());
      }
    }
    io.loudp2p.core.proto.v1.KeywordSummary s = summaries.toSend();
    if (s != null) {
      pe.setSummary(s);
    }
    return pe;
  }

  /** Learns the records of a peer exchange; the sender's own must be signed by the sender. */
  private void ingest(PeerId sender, PeerExchange exchange, InetAddress observed) {
    if (exchange.hasSelfRecord()) {
      SignedPeerRecord own = store.offer(exchange.getSelfRecord(),
          PeerStore.Provenance.firstHand(sender, observed));
      if (own != null) {
        store.learnSummary(own, exchange.hasSummary() ? exchange.getSummary() : null);
      }
    }
    for (int i = 0; i < Math.min(exchange.getSampleCount(), EXCHANGE_SAMPLE); i++) {
      store.offer(exchange.getSample(i), PeerStore.Provenance.exchanged(sender));
    }
  }
}
