package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.Await;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A transport runs its sessions with the policies its factory makes. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SessionPoliciesTest {
  private static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  private static final int CHUNK = 16 * 1024;

  /** The defaults, counted, with a congestion controller that records what it is told. */
  static final class Recording implements SessionPolicies {
    final AtomicInteger made = new AtomicInteger();
    final AtomicLong ackedBytes = new AtomicLong();
    final AtomicLong rttSamples = new AtomicLong();
    volatile int maxDatagram;

    @Override
    public RttEstimator rttEstimator() {
      made.incrementAndGet();
      return DefaultSessionPolicies.INSTANCE.rttEstimator();
    }

    @Override
    public LossDetector lossDetector(int capacity, RttEstimator rtt, long maxAckDelayNs) {
      made.incrementAndGet();
      return DefaultSessionPolicies.INSTANCE.lossDetector(capacity, rtt, maxAckDelayNs);
    }

    @Override
    public CongestionController congestionController(int maxDatagram, long maxWindowBytes) {
      made.incrementAndGet();
      this.maxDatagram = maxDatagram;
      CongestionController d =
          DefaultSessionPolicies.INSTANCE.congestionController(maxDatagram, maxWindowBytes);
      return new CongestionController() {
        @Override
        public long windowBytes() {
          return d.windowBytes();
        }

        @Override
        public boolean inSlowStart() {
          return d.inSlowStart();
        }

        @Override
        public void onAcked(long sentNs, int bytes, boolean windowLimited, long nowNs) {
          ackedBytes.addAndGet(bytes);
          d.onAcked(sentNs, bytes, windowLimited, nowNs);
        }

        @Override
        public void onLost(long sentNs, int bytes, long nowNs) {
          d.onLost(sentNs, bytes, nowNs);
        }

        @Override
        public void onPathChange(long nowNs) {
          d.onPathChange(nowNs);
        }

        @Override
        public void onRttSample(long latestRttNs, long baseDelayNs, long nowNs) {
          rttSamples.incrementAndGet();
          d.onRttSample(latestRttNs, baseDelayNs, nowNs);
        }
      };
    }

    @Override
    public Pacer pacer(int maxDatagram, long tickNs) {
      made.incrementAndGet();
      return DefaultSessionPolicies.INSTANCE.pacer(maxDatagram, tickNs);
    }
  }

  @Test
  void sessionsRunWithThePoliciesTheFactoryMakes() throws Exception {
    Recording policies = new Recording();
    ChunkProvider chunks = new ChunkProvider() {
      @Override
      public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
        return true;
      }

      @Override
      public int chunkLength(DataSessionId session, int index) {
        return CHUNK;
      }

      @Override
      public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
        dst.position(dst.limit());
      }
    };
    AtomicLong received = new AtomicLong();
    try (UdpDataTransport source = new UdpDataTransport(TransportOptions.defaults(), policies);
        UdpDataTransport receiver = new UdpDataTransport(TransportOptions.defaults())) {
      DataServer server = source.serve(LOOPBACK, chunks).get(5, TimeUnit.SECONDS);
      DataSessionId id = DataSessionId.fromBytes(new byte[16]);
      DataOffer offer = server.prepare(id, receiver.prepare(id));
      DataSession session = receiver.open(offer.endpoint(), id, new byte[] {1}, offer.publicKey(),
          new DataSession.Listener() {
            @Override
            public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
              received.addAndGet(data.remaining());
            }

            @Override
            public void onUnavailable(int chunkIndex) {}

            @Override
            public void onClosed(DataSession.CloseReason reason) {}
          }).get(5, TimeUnit.SECONDS);
      for (int i = 0; i < 32; i++) {
        session.request(i);
      }
      Await.until(() -> received.get() == 32L * CHUNK, Duration.ofSeconds(10),
          "every chunk arrived");
      // The receiver's last ACK may still be on its way to the source.
      Await.until(() -> policies.ackedBytes.get() >= 32L * CHUNK, Duration.ofSeconds(10),
          "the source heard every byte acknowledged");
    }
    assertThat(policies.made.get()).as("policies made for the one source session").isEqualTo(4);
    assertThat(policies.maxDatagram).isEqualTo(Wire.MAX_DATAGRAM);
    assertThat(policies.ackedBytes.get()).isGreaterThanOrEqualTo(32L * CHUNK);
    assertThat(policies.rttSamples.get()).isPositive();
  }
}
