package io.loudp2p.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.PeerId;
import io.loudp2p.StreamSession;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.TrackMetadata;
import io.loudp2p.core.stream.internal.DefaultChunkScheduler;
import io.loudp2p.core.stream.internal.RealStreamSession;
import io.loudp2p.core.testing.UdpImpairmentRelay;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.GrpcDataTransportProvider;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A path that drops every datagram (UDP blocked): the stream session gives up on UDP within the
 * open timeout, moves to the gRPC chunk stream by itself, tells its listener, and plays the track.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UdpFallbackIT {
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  @Test
  void aSessionWhoseDatagramsAreAllDroppedMovesToGrpcAndTheListenerIsTold() throws Exception {
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(7);
    byte[] track = tracks.add(id, 30 * TrackFetch.CHUNK + 99, 7);
    Manifest manifest = Manifest.ofStream(new ByteArrayInputStream(track), TrackMetadata.getDefaultInstance());

    DataTransport udpSource = closeLater(new UdpDataTransportProvider().create(TransportOptions.defaults()));
    DataTransport grpcSource = closeLater(new GrpcDataTransportProvider().create(TransportOptions.defaults()));
    DataServer udpServer = closeLater(udpSource.serve(loopback, tracks).get(5, TimeUnit.SECONDS));
    DataServer grpcServer = closeLater(grpcSource.serve(loopback, tracks).get(5, TimeUnit.SECONDS));
    DataTransport udp = closeLater(new UdpDataTransportProvider().create(TransportOptions.defaults()));
    DataTransport grpc = closeLater(new GrpcDataTransportProvider().create(TransportOptions.defaults()));

    DataOffer offer = udpServer.prepare(id, udp.prepare(id));
    UdpImpairmentRelay blocked = closeLater(UdpImpairmentRelay.builder().seed(1).dropRate(1.0)
        .start(offer.endpoint()));
    PeerId source = Identity.generate().peerId();
    RealStreamSession.Source spec = new RealStreamSession.Source(source, udp, blocked.address(), id,
        new byte[0], null, offer.publicKey(), "udp",
        new RealStreamSession.Fallback(grpc, grpcServer.address(), "grpc"));
    List<String> events = new CopyOnWriteArrayList<>();
    long start = System.nanoTime();
    RealStreamSession session = closeLater(new RealStreamSession(manifest, List.of(spec),
        () -> new DefaultChunkScheduler(manifest.size(), 40_000), new StreamSession.Listener() {
          @Override
          public void onSourceFallback(StreamSession s, PeerId p, String from, String to, String why) {
            events.add(from + "->" + to + " after " + (System.nanoTime() - start) / 1_000_000 + " ms");
          }
        }, System::nanoTime));

    assertThat(session.inputStream().readAllBytes()).isEqualTo(track);
    assertThat(events).singleElement().asString().startsWith("udp->grpc after ");
    long fellBackAfterMs = Long.parseLong(events.get(0).replaceAll("\\D+(\\d+) ms", "$1"));
    assertThat(fellBackAfterMs).as("UDP is given up on within the open timeout and a margin")
        .isBetween(UdpTransportOptions.DEFAULT_OPEN_TIMEOUT.toMillis() - 100L, UdpTransportOptions.DEFAULT_OPEN_TIMEOUT.toMillis() + 4000L);
    assertThat(session.sources()).singleElement()
        .satisfies(s -> assertThat(s.transport()).isEqualTo("grpc"));
    assertThat(blocked.dropped.get()).isPositive();
    assertThat(blocked.forwarded.get()).isZero();
  }
}
