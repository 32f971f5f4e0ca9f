package com.example;

import io.loudp2p.Loudp2pException;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.wire.EnvelopeException;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.transport.grpc.GrpcTransportOptions;
import io.loudp2p.transport.udp.UdpTransportOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * The code of the README's API tour, block by block, so that it compiles against the published
 * artifacts; a test of the build checks that every Java block of the README is here.
 */
final class ApiTour {
  private ApiTour() {}

  static void tour(OutputStream player) throws IOException {
    try (Peer peer = Peer.builder()
            .identityFile(Path.of(System.getProperty("user.home"), ".loudp2p/identity"))
            .listen(new InetSocketAddress("0.0.0.0", 7070))      // port 0 picks a free one
            .bootstrap(new InetSocketAddress("192.0.2.7", 7070))  // any peer already in the network
            .share(Path.of("Music"))                              // MP3, FLAC, Ogg Vorbis/Opus, WAV
            .cache(Path.of("cache"), 2L << 30)                    // played tracks are kept and served
            .build()
            .start()) {
      List<SearchHit> hits = peer.search("sigur ros", Duration.ofSeconds(2), hit -> {}).join();
      try (StreamSession session = peer.stream(hits.get(0).track().id()).join()) {
        session.inputStream().transferTo(player);   // ordered, verified bytes from every source at once
        System.out.println(session.stats());        // time to first byte, stalls, verified and redundant bytes
        System.out.println(session.sources());      // bytes, chunks and round trip per source
      }
    }
  }

  static void failures(Peer peer, TrackId id, OutputStream player) throws IOException {
    try (StreamSession session = peer.stream(id).join()) {
      session.inputStream().transferTo(player);
    } catch (CompletionException failure) {
      Loudp2pException e = (Loudp2pException) failure.getCause();  // what it met stays as its cause
      switch (e.code()) {
        case NOT_FOUND -> System.err.println("search for it first: no known peer holds it");
        case UNREACHABLE, TIMEOUT, BUSY -> System.err.println("its holders are gone, silent or busy");
        default -> throw e;  // REFUSED, UNAVAILABLE, INVALID, IO, CLOSED
      }
    }
  }

  static Peer transports() {
    Peer peer = Peer.builder()
        .transport(UdpTransportOptions.builder()
            .socketBufferBytes(4 << 20)              // asked of the kernel for each session's socket
            .openTimeout(Duration.ofSeconds(3))      // before falling back to gRPC; default 1.5 s
            .build())
        .transport(GrpcTransportOptions.builder()
            .maxMessageBytes(4 << 20)                // largest control message; default 1 MiB
            .keepAliveTime(Duration.ofSeconds(20))
            .build())
        .build();
    return peer;
  }

  static Peer phone(InetSocketAddress fullPeer) {
    Peer phone = Peer.builder().role(Role.LIGHT).bootstrap(fullPeer).build().start();
    return phone;
  }

  static SignedMessage envelopes(byte[] message, SearchQuery query)
      throws IOException, EnvelopeException {
    Identity me = Identity.loadOrCreate(Path.of("identity"));   // owner-only file, atomic writes
    PeerId id = me.peerId();                  // Base58Check(0x30 || RIPEMD160(SHA256(key))), "L…"
    byte[] signature = me.sign(message);     // ECDSA secp256k1, 64 bytes r || s, RFC 6979, low-S

    byte[] wire = new EnvelopeSealer(me).seal(Payload.newBuilder().setSearchQuery(query)).toByteArray();
    SignedMessage opened = EnvelopeOpener.withDefaults().open(wire);  // or EnvelopeException(reason)
    System.out.println(id + " " + signature.length);
    return opened;
  }
}
