package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.Test;

/** A session's duty cycle, driven by hand with a made-up clock. */
class ConnectionTimersTest {
  private static final long SECOND = 1_000_000_000L;

  /** A loss detector that tracks nothing and has room only when told. */
  static final class Full implements LossDetector {
    boolean room;

    @Override
    public boolean hasRoom() {
      return room;
    }

    @Override
    public void onSent(SentPacket p) {}

    @Override
    public void onAck(long[] ranges, int rangeCount, long ackDelayNs, long nowNs, Outcome outcome) {}

    @Override
    public long timeoutNs() {
      return Long.MAX_VALUE;
    }

    @Override
    public boolean onTimeout(long nowNs, Outcome outcome) {
      return false;
    }

    @Override
    public long bytesInFlight() {
      return 0;
    }

    @Override
    public int trackedPackets() {
      return 0;
    }

    @Override
    public void clear() {}
  }

  /** The shared part of a session with no frames of its own, counting what it writes. */
  static final class Bare extends Connection {
    int written;

    Bare(IoLoop loop, DatagramChannel channel, UdpSettings settings, long nowNs) {
      super(loop, channel, DataSessionId.fromBytes(new byte[16]), settings, new Drops(), true,
          nowNs);
      crypto = SessionCrypto.forSource(new byte[64]);
    }

    @Override
    InetSocketAddress receive(ByteBuffer buf) {
      return null;
    }

    @Override
    boolean addressAllowed(InetSocketAddress from) {
      return true;
    }

    @Override
    void write(ByteBuffer datagram) {
      written++;
    }

    @Override
    boolean onFrame(byte type, ByteBuffer in, InetSocketAddress from, long nowNs) {
      return false;
    }

    @Override
    boolean onFramesLost(SentPacket p) {
      return false;
    }

    @Override
    long sendFrames(long nowNs) {
      return Long.MAX_VALUE;
    }

    @Override
    long idleTimeoutNs() {
      return 60 * SECOND;
    }

    @Override
    boolean keepalive() {
      return true;
    }

    @Override
    void onIdleTimeout(long nowNs) {}

    @Override
    void fail(long nowNs) {}

    @Override
    void shutDown(long nowNs) {}
  }

  @Test
  void aKeepaliveWithNoRoomToBeTrackedMovesItsDeadlineInsteadOfComingDueEveryTick()
      throws Exception {
    Full loss = new Full();
    SessionPolicies policies = new SessionPolicies() {
      @Override
      public RttEstimator rttEstimator() {
        return new DefaultRttEstimator();
      }

      @Override
      public LossDetector lossDetector(int capacity, RttEstimator rtt, long maxAckDelayNs) {
        return loss;
      }

      @Override
      public CongestionController congestionController(int maxDatagram, long maxWindowBytes) {
        return new DefaultCongestionController(maxDatagram, maxWindowBytes);
      }

      @Override
      public Pacer pacer(int maxDatagram, long tickNs) {
        return new DefaultPacer(maxDatagram, tickNs);
      }
    };
    UdpSettings settings = new UdpSettings(TransportOptions.defaults(), policies);
    long keepalive = settings.keepaliveNs;
    IoLoop loop = new IoLoop("never-started");
    try (DatagramChannel channel = DatagramChannel.open()) {
      channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Bare c = new Bare(loop, channel, settings, 0);

      c.service(keepalive); // a keepalive is due, but cannot be tracked
      assertThat(c.written).isZero();
      assertThat(c.timerNs).as("next service").isEqualTo(2 * keepalive);

      c.service(keepalive + IoLoop.TICK_NS); // a tick later: still nothing to do
      assertThat(c.written).isZero();
      assertThat(c.timerNs).isEqualTo(2 * keepalive);

      loss.room = true;
      c.service(2 * keepalive);
      assertThat(c.written).isEqualTo(1);
      assertThat(c.timerNs).isEqualTo(3 * keepalive);
    }
  }
}
