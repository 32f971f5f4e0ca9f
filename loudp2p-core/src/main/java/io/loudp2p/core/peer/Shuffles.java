package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.network.NodeRecord;
import io.loudp2p.core.network.PeerSampler;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.Shuffle;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peer sampling (PROTOCOL.md §3.3): every period, shuffles part of the view with its oldest
 * neighbour (Cyclon) and, on a FULL peer, probes a sampled peer not heard from; answers others'
 * shuffles. The periodic tick also keeps the keyword summary fresh, bootstraps again when the view
 * emptied, and has a LIGHT peer check its links. Owns the count of ticks (timer thread only).
 */
final class Shuffles {
  private static final Logger log = LoggerFactory.getLogger(Loggers.DISCOVERY);

  /** How often this peer shuffles its view; the first shuffle comes one period after start. */
  static final Duration SHUFFLE_PERIOD = Duration.ofSeconds(10);
  /** A LIGHT peer shuffles, and greets one of its links, every this many shuffle periods. */
  static final int LIGHT_PERIODS = 3;

  private final PeerContext ctx;
  private final ControlClient client;
  private final PeerStore store;
  private final SelfRecord self;
  private final RoleState roles;
  private final Summaries summaries;
  private final Greeter greeter;
  private final LinkKeeper links;
  /** Ticks so far; timer thread only. */
  private long ticks;

  Shuffles(PeerContext ctx, ControlClient client, PeerStore store, SelfRecord self,
      RoleState roles, Summaries summaries, Greeter greeter, LinkKeeper links) {
    this.ctx = ctx;
    this.client = client;
    this.store = store;
    this.self = self;
    this.roles = roles;
    this.summaries = summaries;
    this.greeter = greeter;
    this.links = links;
  }

  /** Shuffles with the oldest neighbour (Cyclon); a LIGHT peer also checks its FULL links. */
  void tick() {
    try {
      PeerSampler view = store.view();
      if (summaries.stale()) {
        summaries.summarize();
      }
      if (view.size() == 0) {
        greeter.bootstrap();
        return;
      }
      // A LIGHT peer (a phone, maybe) shuffles and checks a link every few periods only: its
      // view is just where it finds FULL peers to link to.
      Role role = roles.role();
      if (role == Role.LIGHT && ticks++ % LIGHT_PERIODS != 0) {
        return;
      }
      if (role == Role.LIGHT) {
        links.check();
      }
      PeerSampler.ShuffleStart start = view.startShuffle(ctx.nowMs());
      if (start != null) {
        shuffleWith(view, start);
      }
      // A FULL peer also checks on a sampled peer it has not heard from (a LIGHT one, perhaps a
      // phone, only needs its view to find links).
      PeerSampler.ShuffleStart probe = roles.full() ? view.startProbe(ctx.nowMs()) : null;
      if (probe != null) {
        shuffleWith(view, probe);
      }
    } catch (RuntimeException e) {
      log.warn("shuffle failed", e);
    }
  }

  private void shuffleWith(PeerSampler view, PeerSampler.ShuffleStart start) {
    PeerId target = start.target().id();
    InetSocketAddress address = PeerStore.controlAddress(start.target());
    if (address == null) {
      view.shuffleFailed(target);
      return;
    }
    client.call(address, ControlMethod.SHUFFLE,
            Payload.newBuilder().setShuffle(message(start.sample())), target,
            ctx.config.callDeadline())
        .thenAccept(answer -> {
          Shuffle got = answer.payload().getShuffle();
          NodeRecord sender = sender(target, got, address.getAddress());
          view.completeShuffle(target, sender, sample(target, got), ctx.nowMs());
          store.table().reachable(target, true);
        })
        .exceptionally(t -> {
          view.shuffleFailed(target);
          store.markGone(target, address);
          return null;
        });
  }

  /** Answers a shuffle with part of the view, and takes what it sent in their place. */
  void answer(SignedMessage request, InetSocketAddress remote, ControlResponder responder) {
    PeerId from = request.sender();
    Shuffle shuffle = request.payload().getShuffle();
    NodeRecord sender = sender(from, shuffle, remote.getAddress());
    List<PeerSampler.Entry> reply = store.view().answerShuffle(sender, from,
        sample(from, shuffle), ctx.nowMs());
    responder.reply(ctx.seal(Payload.newBuilder().setShuffle(message(reply))));
  }

  private Shuffle.Builder message(List<PeerSampler.Entry> sample) {
    Shuffle.Builder b = Shuffle.newBuilder().setSelfRecord(self.current());
    for (PeerSampler.Entry e : sample) {
      b.addSample(e.record().envelope()).addSampleAges(e.age());
    }
    io.loudp2p.core.proto.v1.KeywordSummary s = summaries.toSend();
    if (s != null) {
      b.setSummary(s);
    }
    return b;
  }

  /** The sender's own record of a shuffle, checked, and its summary learnt; null if refused. */
  private @Nullable NodeRecord sender(PeerId sender, Shuffle shuffle, InetAddress observed) {
    if (!shuffle.hasSelfRecord()) {
      return null;
    }
    SignedPeerRecord r = store.offer(shuffle.getSelfRecord(),
        PeerStore.Provenance.own(sender, observed));
    if (r == null) {
      return null;
    }
    store.learnSummary(r, shuffle.hasSummary() ? shuffle.getSummary() : null);
    return NodeRecord.of(r);
  }

  /** The checked records of a shuffle's sample, with their ages; refused ones left out. */
  private List<PeerSampler.Entry> sample(PeerId sender, Shuffle shuffle) {
    List<PeerSampler.Entry> out = new ArrayList<>();
    for (int i = 0; i < Math.min(shuffle.getSampleCount(), PeerSampler.SHUFFLE_LENGTH); i++) {
      SignedPeerRecord r = store.offer(shuffle.getSample(i), PeerStore.Provenance.relayed(sender));
      if (r != null) {
        // uint32: an age of 2^31 or more must not read as negative and so as the youngest.
        int age = i < shuffle.getSampleAgesCount()
            ? (int) Math.min(PeerSampler.MAX_AGE, Integer.toUnsignedLong(shuffle.getSampleAges(i)))
            : 0;
        out.add(new PeerSampler.Entry(NodeRecord.of(r), age));
      }
    }
    return out;
  }
}
