package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import io.loudp2p.PeerId;
import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.LocalContent;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.proto.v1.ChunkMap;
import io.loudp2p.core.proto.v1.ManifestResponse;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.StreamAccept;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlResponder;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransportDescriptor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source side of streaming (PROTOCOL.md §4–5): answers manifest requests and stream opens from
 * this peer's catalog and cache, and serves the chunks of the sessions it accepted, and only those,
 * over each data transport. Owns the served sessions and their readers, and tells the peer's
 * listener when a session's serving begins (its first data stream accepted) and ends (its last
 * closed); thread-safe.
 */
final class StreamServer {
  private static final Logger log = LoggerFactory.getLogger(Loggers.SERVE);

  /** Most sessions served at once; and how long an opened session may wait for its data stream. */
  static final int MAX_SERVED_SESSIONS = 2048;
  static final Duration SERVED_SESSION_TIMEOUT = Duration.ofSeconds(30);
  /**
   * The largest StreamOpen envelope a peer accepts, and the length of an X25519 public key: what a
   * served session keeps of its opener is bounded (2,048 sessions of 1 KiB at most).
   */
  static final int MAX_STREAM_OPEN_BYTES = 1024;
  static final int EPHEMERAL_KEY_LENGTH = 32;

  private final PeerContext ctx;
  private final LocalContent content;
  private final PeerTransports transports;
  private final Map<DataSessionId, Served> served = new ConcurrentHashMap<>();
  private final HolePunching punching;

  StreamServer(PeerContext ctx, LocalContent content, PeerTransports transports,
      HolePunching punching) {
    this.ctx = ctx;
    this.content = content;
    this.transports = transports;
    this.punching = punching;
  }

  /** A session opened here by a remote receiver, waiting for or streaming over its data stream. */
  private static final class Served {
    final TrackId track;
    /** The signer of the StreamOpen: the peer the session's streams are counted against. */
    final PeerId receiver;
    final byte[] handshake;
    /** The host the StreamOpen came from, over a connection whose handshake it answered. */
    final InetAddress controlHost;
    final long openedNs;
    /** The transports the session was accepted on: the preferred one, then perhaps its fallback. */
    final Set<String> acceptedOn = new HashSet<>();
    volatile LocalContent.@Nullable Reader reader;

    Served(TrackId track, PeerId receiver, byte[] handshake, InetAddress controlHost,
        long openedNs) {
      this.track = track;
      this.receiver = receiver;
      this.handshake = handshake;
      this.controlHost = controlHost;
      this.openedNs = openedNs;
    }
  }

  /** The provider of chunks to the data transport named {@code transport}. */
  ChunkProvider provider(String transport) {
    return new Provider(transport);
  }

  /** The share of the most sessions this peer serves that are streaming now. */
  double load() {
    return (double) streaming() / MAX_SERVED_SESSIONS;
  }

  /** The sessions this peer streams now. */
  int streaming() {
    return (int) served.values().stream().filter(s -> s.reader != null).count();
  }

  void answerManifest(SignedMessage request, ControlResponder responder) {
    Optional<TrackId> id = trackId(request.payload().getManifestRequest().getTrackId(), responder);
    if (id.isEmpty()) {
      return;
    }
    Optional<Manifest> manifest = content.manifest(id.get());
    if (manifest.isEmpty()) {
      responder.fail(ControlErrorCode.NOT_FOUND, "unknown track " + id.get());
      return;
    }
    responder.reply(ctx.seal(Payload.newBuilder().setManifestResponse(ManifestResponse.newBuilder()
        .setManifest(manifest.get().toProto())
        .setAvailability(chunkMap(content.availability(id.get()), manifest.get().chunkCount())))));
  }

  /**
   * Accepts a session on the first data transport the receiver offers that this peer serves,
   * keeping the signed request to check the data stream's handshake against. What the accept
   * carries comes from the chosen transport's descriptor: its server's address, or the endpoint
   * (and key) of a session prepared for it, then the fallback's address when it was offered too.
   *
   * @param envelope the request's bytes as they came
   * @param remote where the request came from: its host may be sent a session's first chunks
   *     before it proved on the data path that it listens there (PROTOCOL.md section 8)
   */
  void answerStreamOpen(SignedMessage request, byte[] envelope, InetSocketAddress remote,
      ControlResponder responder) {
    PeerId receiver = request.sender();
    StreamOpen open = request.payload().getStreamOpen();
    Optional<TrackId> id = trackId(open.getTrackId(), responder);
    if (id.isEmpty()) {
      return;
    }
    if (open.getSessionId().size() != DataSessionId.LENGTH) {
      responder.fail(ControlErrorCode.MALFORMED, "session_id must have 16 bytes");
      return;
    }
    int key = open.getEphemeralPublicKey().size();
    if (key != 0 && key != EPHEMERAL_KEY_LENGTH) {
      responder.fail(ControlErrorCode.MALFORMED, "ephemeral_public_key must be empty or have "
          + EPHEMERAL_KEY_LENGTH + " bytes, not " + key);
      return;
    }
    // The request is kept while the session lives, to check its data stream's handshake.
    if (envelope.length > MAX_STREAM_OPEN_BYTES) {
      responder.fail(ControlErrorCode.MALFORMED, "a stream open has at most "
          + MAX_STREAM_OPEN_BYTES + " bytes, not " + envelope.length);
      return;
    }
    // The transports offered that this peer serves, in the receiver's order: the first is
    // chosen, the next ones are tried when it cannot prepare the session. A receiver that asks
    // for hole punching gets UDP only when a punch between the two can work.
    InetSocketAddress punchTo = open.hasUdpEndpoint()
        ? HolePunching.probeTarget(open.getUdpEndpoint()) : null;
    boolean punch = punchTo != null && punching.works(open.getUdpMapping());
    List<PeerTransports.Data> candidates = new ArrayList<>();
    for (int offered : open.getOfferedTransportsValueList()) {
      PeerTransports.Data d = transports.serving(offered);
      boolean unpunchable = offered == TransportKind.TRANSPORT_KIND_UDP_VALUE
          && open.hasUdpEndpoint() && !punch;
      if (d != null && !candidates.contains(d) && !unpunchable) {
        candidates.add(d);
      }
    }
    if (candidates.isEmpty()) {
      responder.fail(ControlErrorCode.MALFORMED, "no data transport in common: this peer offers "
          + transports.data);
      return;
    }
    Optional<Manifest> manifest = content.manifest(id.get());
    if (manifest.isEmpty()) {
      responder.fail(ControlErrorCode.NOT_FOUND, "unknown track " + id.get());
      return;
    }
    purgeStaleSessions();
    if (served.size() >= MAX_SERVED_SESSIONS) {
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED,
          "serving " + MAX_SERVED_SESSIONS + " sessions already; retry later");
      return;
    }
    DataSessionId sessionId = DataSessionId.fromBytes(open.getSessionId().toByteArray());
    if (served.putIfAbsent(sessionId, new Served(id.get(), receiver, envelope, remote.getAddress(),
        ctx.nowNs()))
        != null) {
      responder.fail(ControlErrorCode.MALFORMED, "session " + sessionId + " already open");
      return;
    }
    StreamAccept.Builder accept = StreamAccept.newBuilder()
        .setSessionId(open.getSessionId())
        .setSize(manifest.get().size())
        .setAvailability(chunkMap(content.availability(id.get()), manifest.get().chunkCount()));
    // The fallback path is announced beside a chosen transport of a session endpoint of its own,
    // whenever the receiver offered it.
    PeerTransports.Data fallback = transports.fallback();
    if (fallback != null && !candidates.contains(fallback)) {
      fallback = null;
    }
    byte[] receiverKey = open.getEphemeralPublicKey().toByteArray();
    for (int i = 0; ; i++) {
      PeerTransports.Data d = candidates.get(i);
      DataTransportDescriptor how = d.descriptor;
      DataServer server = Objects.requireNonNull(d.server(), "served");
      accept.setTransportValue(d.kind());
      if (how.acceptEndpoint() == DataTransportDescriptor.AcceptEndpoint.SERVER) {
        accept.setDataEndpoint(SelfRecord.endpoint(d.kind(), server.address()));
        break;
      }
      try {
        byte[] sessionKey = how.sessionKeys() ? receiverKey : new byte[0];
        DataOffer offer = punch
            ? server.prepare(sessionId, sessionKey, List.of(punchTo))
            : server.prepare(sessionId, sessionKey);
        accept.setUdpEndpoint(SelfRecord.endpoint(d.kind(),
            punch ? punching.announce(offer.endpoint()) : offer.endpoint()));
        if (how.sessionKeys()) {
          accept.setEphemeralPublicKey(ByteString.copyFrom(offer.publicKey()));
        }
        if (fallback != null && fallback != d && fallback.server() != null) {
          accept.setDataEndpoint(SelfRecord.endpoint(fallback.kind(), fallback.server().address()));
        }
        break;
      } catch (ControlException e) {
        if (i + 1 == candidates.size()) {
          served.remove(sessionId);
          responder.fail(e.code(), "cannot serve over " + d.name + ": " + e.getMessage());
          return;
        }
        log.debug("cannot serve session {} over {}, trying the next offered: {}", sessionId, d.name,
            e.getMessage());
      }
    }
    responder.reply(ctx.seal(Payload.newBuilder().setStreamAccept(accept)));
  }

  /** Ends every session: their readers are closed. */
  void close() {
    for (Served s : served.values()) {
      LocalContent.Reader r = s.reader;
      if (r != null) {
        r.close();
      }
    }
  }

  private void purgeStaleSessions() {
    long now = ctx.nowNs();
    served.entrySet().removeIf(e -> e.getValue().reader == null
        && now - e.getValue().openedNs > SERVED_SESSION_TIMEOUT.toNanos());
  }

  private static Optional<TrackId> trackId(ByteString bytes, ControlResponder responder) {
    if (bytes.size() != TrackId.LENGTH) {
      responder.fail(ControlErrorCode.MALFORMED, "track_id must have 32 bytes, not " + bytes.size());
      return Optional.empty();
    }
    return Optional.of(TrackId.fromBytes(bytes.toByteArray()));
  }

  private static ChunkMap chunkMap(BitSet has, int chunks) {
    if (has.cardinality() == chunks) {
      return ChunkMap.newBuilder().setComplete(true).build();
    }
    byte[] bitmap = Arrays.copyOf(has.toByteArray(), (chunks + 7) / 8);
    return ChunkMap.newBuilder().setBitmap(ByteString.copyFrom(bitmap)).build();
  }

  /**
   * Serves the chunks of sessions opened with a signed StreamOpen, and only those, over one data
   * transport. A session may be accepted once per transport: on the chosen one, and again on the
   * fallback when the receiver could not reach the chosen one (UDP blocked on the path).
   */
  private final class Provider implements ChunkProvider {
    private final String transport;

    Provider(String transport) {
      this.transport = transport;
    }

    @Override
    public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
      Served s = served.get(session);
      if (s == null || !Arrays.equals(s.handshake, handshake)) {
        return false;
      }
      synchronized (s) {
        if (s.acceptedOn.contains(transport)) {
          return false;
        }
        if (s.reader == null) {
          Optional<LocalContent.Reader> reader = content.reader(s.track);
          if (reader.isEmpty()) {
            served.remove(session);
            return false;
          }
          s.reader = reader.get();
          ctx.counters.sessionsServed.increment();
          ctx.events.sessionServed(s.receiver, s.track);
        }
        s.acceptedOn.add(transport);
        return true;
      }
    }

    @Override
    public boolean earlyData(DataSessionId session, InetSocketAddress from) {
      Served s = served.get(session);
      return s != null && s.controlHost.equals(from.getAddress());
    }

    @Override
    public boolean knows(DataSessionId session) {
      return served.containsKey(session);
    }

    @Override
    public @Nullable PeerId peerOf(DataSessionId session) {
      Served s = served.get(session);
      return s == null ? null : s.receiver;
    }

    @Override
    public int chunkLength(DataSessionId session, int index) {
      Served s = served.get(session);
      LocalContent.Reader r = s == null ? null : s.reader;
      return r == null ? -1 : r.chunkLength(index);
    }

    @Override
    public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
      Served s = served.get(session);
      LocalContent.Reader r = s == null ? null : s.reader;
      if (r == null) {
        throw new IllegalStateException("session " + session + " ended");
      }
      int bytes = dst.remaining();
      r.read(index, offset, dst);
      ctx.counters.sent(transport, bytes);
    }

    @Override
    public void onSessionClosed(DataSessionId session) {
      Served s = served.get(session);
      if (s == null) {
        return;
      }
      synchronized (s) {
        s.acceptedOn.remove(transport);
        if (!s.acceptedOn.isEmpty()) {
          return;
        }
        served.remove(session, s);
        if (s.reader != null) {
          s.reader.close();
          ctx.events.sessionEnded(s.receiver, s.track);
        }
      }
    }
  }
}
