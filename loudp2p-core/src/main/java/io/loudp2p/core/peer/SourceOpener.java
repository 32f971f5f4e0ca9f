package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import io.loudp2p.PeerId;
import io.loudp2p.TrackId;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.proto.v1.ChunkMap;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.StreamAccept;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.stream.internal.PreOpenedTransport;
import io.loudp2p.core.stream.internal.RealStreamSession;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransportDescriptor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the holders of a track to open stream sessions (PROTOCOL.md section 3, stream initiation)
 * and opens the data session at each that accepts at once, before the stream session that will
 * read it exists. Stateless beyond what each call returns; thread-safe.
 */
final class SourceOpener {
  private static final Logger log = LoggerFactory.getLogger(Loggers.STREAM);

  /**
   * Chunks asked for in the first data session's opening: the first and the one after it, so that
   * the second follows the first as soon as the source's window opens and playback started on the
   * first does not wait a round trip for it on a 300 ms path.
   */
  static final int FIRST_WANTS = 2;

  private final PeerContext ctx;
  private final ControlClient client;
  private final PeerTransports transports;
  private final HolePunching punching;

  SourceOpener(PeerContext ctx, ControlClient client, PeerTransports transports,
      HolePunching punching) {
    this.ctx = ctx;
    this.client = client;
    this.transports = transports;
    this.punching = punching;
  }

  /** A source that accepted a session, and the track size it stated (0: not stated). */
  record Opened(RealStreamSession.Source source, PeerTable.Entry entry, long size,
      @Nullable PreOpenedTransport pre) {
    /** Whether it may serve a manifest of {@code manifestSize} bytes: it states that, or none. */
    boolean agreesWith(long manifestSize) {
      return size == 0 || size == manifestSize;
    }

    /** Closes the data session opened for this source: no stream session will read it. */
    void abandon() {
      if (pre != null) {
        pre.abandon();
      }
    }
  }

  /** Sessions asked of each of some sources, in their order; a refused one is null. */
  record Opens(List<CompletableFuture<@Nullable Opened>> each,
      AtomicReference<@Nullable Throwable> refused) {
    CompletableFuture<?> all() {
      return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0]));
    }

    /** Leaves source {@code i} out: its session, if it opened one, is closed. */
    void drop(int i) {
      each.get(i).thenAccept(o -> {
        if (o != null) {
          o.abandon();
        }
      });
      each.set(i, CompletableFuture.completedFuture(null));
    }

    /** Closes every session opened and not taken by a stream session, now or once it opens. */
    void abandonAll() {
      for (CompletableFuture<@Nullable Opened> f : each) {
        f.thenAccept(o -> {
          if (o != null) {
            o.abandon();
          }
        });
      }
    }
  }

  /**
   * Hands the session {@code opening} opens to {@code session}, which expects it (as one of its
   * later sources): as {@code as} makes it when {@code objection} has nothing against it (null),
   * else closed, the session told why it is not coming. {@code objection} runs first, whatever
   * the answer (null: the source did not accept).
   */
  static void joinWhenOpen(RealStreamSession session, CompletableFuture<@Nullable Opened> opening,
      Function<@Nullable Opened, @Nullable String> objection,
      UnaryOperator<RealStreamSession.Source> as) {
    opening.whenComplete((o, t) -> {
      String why = objection.apply(o);
      if (why == null && o != null) {
        session.addSource(as.apply(o.source()));
        return;
      }
      if (o != null) {
        o.abandon();
      }
      session.sourceNotComing(why == null ? "it did not accept a session" : why);
    });
  }

  /**
   * Asks each of {@code sources} to open a session for {@code track}, all at once. With {@code
   * askFirstChunks}, the first to accept is asked for the track's first chunks in the data
   * session's opening, which starts as soon as it accepted (see {@link PreOpenedTransport}).
   */
  Opens opens(TrackId track, List<PeerTable.Entry> sources, boolean askFirstChunks) {
    List<CompletableFuture<@Nullable Opened>> each = new ArrayList<>();
    AtomicReference<@Nullable Throwable> refused = new AtomicReference<>();
    AtomicBoolean firstChunkAsked = new AtomicBoolean(!askFirstChunks);
    for (PeerTable.Entry source : sources) {
      each.add(openAt(source, track, firstChunkAsked).exceptionally(t -> {
        log.debug("{} cannot stream {}: {}", source.record().peerId(), track, t.getMessage());
        refused.set(t);
        return null;
      }));
    }
    return new Opens(each, refused);
  }

  /**
   * Opens a session at one source: offers every data transport of this peer, most preferred
   * first (a transport with session keys announces its key, and only one such key fits the
   * message), and makes the source from what the accept names for the transport it chose, with
   * the fallback path when the accept announces one.
   */
  private CompletableFuture<Opened> openAt(PeerTable.Entry source, TrackId track,
      AtomicBoolean firstChunkAsked) {
    byte[] sessionBytes = new byte[DataSessionId.LENGTH];
    ctx.random.nextBytes(sessionBytes);
    DataSessionId sessionId = DataSessionId.fromBytes(sessionBytes);
    StreamOpen.Builder open = StreamOpen.newBuilder()
        .setTrackId(ByteString.copyFrom(track.bytes()))
        .setSessionId(ByteString.copyFrom(sessionBytes));
    List<PeerTransports.Data> offered = new ArrayList<>();
    PeerTransports.Data keyed = null; // the transport that prepared a key (and maybe a socket)
    PeerId peer = source.record().peerId();
    RelayEndpoint relay = client.routes().of(peer); // the relay its control calls take
    // A source behind a relay is reached over a connection through it, and by datagrams only
    // where a punch through both NATs can work: this peer asks for one when it can be predicted.
    HolePunching.Ask punch = relay != null ? punching.ask() : null;
    for (PeerTransports.Data d : transports.data) {
      boolean udp = d.kind() == TransportKind.TRANSPORT_KIND_UDP_VALUE;
      if (relay != null && d.kind() != TransportKind.TRANSPORT_KIND_GRPC_VALUE
          && (punch == null || !udp)) {
        continue;
      }
      if (d.descriptor.sessionKeys()) {
        if (keyed != null) {
          continue; // the message has room for one transport's key
        }
        keyed = d;
        open.setEphemeralPublicKey(ByteString.copyFrom(d.transport.prepare(sessionId)));
      }
      if (relay != null && udp && punch != null) {
        int port;
        try {
          port = d.transport.bindForPunching(sessionId, punch.heardAt());
        } catch (ControlException e) { // no socket to punch from: the relay carries the chunks
          log.debug("no hole punching for session {}: {}", sessionId, e.getMessage());
          d.transport.forget(sessionId);
          open.clearEphemeralPublicKey();
          keyed = null;
          continue;
        }
        open.setUdpEndpoint(SelfRecord.endpoint(d.kind(),
            new InetSocketAddress(punch.heardAt(), port))).setUdpMapping(punch.mapping());
      }
      open.addOfferedTransportsValue(d.kind());
      offered.add(d);
    }
    PeerTransports.Data fallback = transports.fallback();
    byte[] request = ctx.seal(Payload.newBuilder().setStreamOpen(open));
    InetSocketAddress controlAt = source.control();
    RelayEndpoint through = relay;
    PeerTransports.Data prepared = keyed;
    long askedAtNs = ctx.nowNs();
    return client.call(controlAt, ControlMethod.OPEN_STREAM, request, peer,
        ctx.config.callDeadline()).whenComplete((answer, t) -> {
          if (prepared != null && (t != null || prepared.kind()
              != answer.payload().getStreamAccept().getTransportValue())) {
            prepared.transport.forget(sessionId); // its key and socket will not be used
          }
        }).thenApply(answer -> {
          StreamAccept accept = answer.payload().getStreamAccept();
          BitSet has = availability(accept.getAvailability());
          PeerTransports.Data chosen = null;
          for (PeerTransports.Data d : offered) {
            if (d.kind() == accept.getTransportValue()) {
              chosen = d;
              break;
            }
          }
          InetSocketAddress serverAt = accept.hasDataEndpoint()
              ? dataAddress(accept.getDataEndpoint(), controlAt) : null;
          if (through != null && serverAt != null) {
            // The chunk stream, chosen or the fallback of a punched session, takes the relay.
            for (PeerTransports.Data d : offered) {
              if (d.descriptor.acceptEndpoint() == DataTransportDescriptor.AcceptEndpoint.SERVER) {
                d.transport.routeThroughRelay(serverAt, peer, through.address(), through.peer());
              }
            }
          }
          if (chosen != null && chosen.descriptor.acceptEndpoint()
              == DataTransportDescriptor.AcceptEndpoint.SESSION) {
            InetSocketAddress sessionAt = accept.hasUdpEndpoint()
                ? dataAddress(accept.getUdpEndpoint(), controlAt) : null;
            if (sessionAt == null) {
              throw new ControlException(ControlErrorCode.MALFORMED,
                  "bad " + chosen.name + " session endpoint in the stream accept");
            }
            RealStreamSession.Fallback fallbackAt = serverAt != null && fallback != null
                && fallback != chosen && offered.contains(fallback)
                ? new RealStreamSession.Fallback(fallback.transport, serverAt,
                    named(fallback, through)) : null;
            byte[] key = chosen.descriptor.sessionKeys()
                ? accept.getEphemeralPublicKey().toByteArray() : new byte[0];
            long now = ctx.nowNs();
            PreOpenedTransport pre = PreOpenedTransport.open(chosen.transport, sessionAt,
                sessionId, request, key, firstWants(accept, has, firstChunkAsked), now,
                now - askedAtNs);
            return new Opened(new RealStreamSession.Source(peer, pre, sessionAt,
                sessionId, request, has, key, chosen.name, fallbackAt), source, accept.getSize(),
                pre);
          }
          if (chosen == null || serverAt == null) {
            throw new ControlException(ControlErrorCode.MALFORMED,
                "the stream accept chose " + accept.getTransport() + " (kind "
                    + accept.getTransportValue() + ") without a usable endpoint");
          }
          long now = ctx.nowNs();
          PreOpenedTransport pre = PreOpenedTransport.open(chosen.transport, serverAt, sessionId,
              request, new byte[0], firstWants(accept, has, firstChunkAsked), now,
              now - askedAtNs);
          return new Opened(new RealStreamSession.Source(peer, pre, serverAt,
              sessionId, request, has, new byte[0], named(chosen, through), null), source,
              accept.getSize(),
              pre);
        });
  }

  /**
   * The name a source's chunks are counted under for {@code d}: its own, and {@code
   * "NAME-relayed"} for a chunk stream through a relay, so that what relays carry shows apart in
   * the session's sources and the peer's metrics.
   */
  static String named(PeerTransports.Data d, @Nullable RelayEndpoint through) {
    return through != null
        && d.descriptor.acceptEndpoint() == DataTransportDescriptor.AcceptEndpoint.SERVER
        ? d.name + RELAYED : d.name;
  }

  /** What {@link #named} appends for a chunk stream through a relay. */
  static final String RELAYED = RealStreamSession.RELAYED;

  /**
   * The first {@link #FIRST_WANTS} chunks (those the source holds, from chunk 0 on) for the first
   * source to accept that holds chunk 0; nothing for the others.
   */
  private static int[] firstWants(StreamAccept accept, @Nullable BitSet has,
      AtomicBoolean firstChunkAsked) {
    long chunks = (accept.getSize() + Manifest.CHUNK_SIZE - 1) / Manifest.CHUNK_SIZE;
    boolean holdsIt = chunks > 0 && (has == null || has.get(0));
    if (!holdsIt || !firstChunkAsked.compareAndSet(false, true)) {
      return new int[0];
    }
    int n = 0;
    while (n < Math.min(FIRST_WANTS, chunks) && (has == null || has.get(n))) {
      n++;
    }
    int[] wants = new int[n];
    for (int i = 0; i < n; i++) {
      wants[i] = i;
    }
    return wants;
  }

  private static @Nullable BitSet availability(ChunkMap map) {
    return map.getComplete() ? null : BitSet.valueOf(map.getBitmap().toByteArray());
  }

  /**
   * A data endpoint from a stream accept. A source listening on every interface announces the
   * wildcard address; the receiver then uses the address it reached the source's control at.
   */
  private static @Nullable InetSocketAddress dataAddress(Endpoint endpoint,
      InetSocketAddress control) {
    InetSocketAddress a = PeerTable.address(endpoint);
    if (a == null || a.getPort() < 1 || a.getPort() > 65535) {
      return null;
    }
    return a.getAddress().isAnyLocalAddress()
        ? new InetSocketAddress(control.getAddress(), a.getPort()) : a;
  }
}
