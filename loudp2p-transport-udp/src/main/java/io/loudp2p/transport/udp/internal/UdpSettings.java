package io.loudp2p.transport.udp.internal;

import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.UdpTransportOptions;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/** The settings of one UDP transport, read once from the {@link UdpTransportOptions} in its {@link TransportOptions}. */
final class UdpSettings {
  /** Packet numbers remembered below the largest for anti-replay. */
  static final int REPLAY_WINDOW = 4096;
  /** The most a side delays an ACK of an ack-eliciting packet. */
  static final long MAX_ACK_DELAY_NS = 1_000_000L;
  /** The most packets a session tracks for loss detection. */
  static final int MAX_TRACKED_PACKETS = 4096;
  /**
   * The most UNAVAILABLE answers a source session holds queued; a want that would be answered
   * beyond that is dropped unanswered (the receiver asks elsewhere or again).
   */
  static final int MAX_UNAVAILABLE_QUEUED = 1024;
  /**
   * The most repeated wants a source session takes in any {@link #REPEAT_WINDOW_SECONDS}: wants of
   * a chunk queued or in flight, which it ignores, and wants that have a chunk sent again moments
   * after its last send, which it serves (see {@link RequestLedger}). Past this many the source
   * ends the session with CLOSE reason 2. A gateway that serves a 1 MB track whole a dozen times in
   * a row makes about 800; 2,048 bound what a session can make its source send again to 32 MiB in
   * the window.
   */
  static final int MAX_REPEATED_WANTS = 2048;
  /** The window over which repeated wants are counted. */
  static final int REPEAT_WINDOW_SECONDS = 10;
  /** First HELLO retransmission interval at the least; doubles up to {@link #MAX_HELLO_INTERVAL_NS}. */
  static final long HELLO_INTERVAL_NS = 100_000_000L;
  static final long MAX_HELLO_INTERVAL_NS = 400_000_000L;

  /**
   * When the first HELLO is sent again: one and a half times the round trip the session's
   * set-up took on the control plane ({@code prepare} to {@code open}: the stream initiation's
   * call and answer), between {@link #HELLO_INTERVAL_NS} and {@link #MAX_HELLO_INTERVAL_NS}. A
   * HELLO resent sooner than the path's round trip only draws a second ACCEPT (a 3G path's 300 ms
   * drew three of each at a fixed 100 ms).
   */
  static long firstHelloIntervalNs(long setupRoundTripNs) {
    long wanted = Math.max(0, setupRoundTripNs) * 3 / 2;
    return Math.max(HELLO_INTERVAL_NS, Math.min(MAX_HELLO_INTERVAL_NS, wanted));
  }
  /**
   * The least time between two path challenges of one session: a receiver that moved is
   * challenged on its first datagram from the new address, and again on a later one if the
   * answer was lost; a copy of its datagrams sent from elsewhere gets no more than this.
   */
  static final long CHALLENGE_INTERVAL_NS = 100_000_000L;
  /**
   * When a source prepared for hole punching probes the addresses its receiver named, in ms after
   * the session was prepared (its answer to the stream initiation leaves then): at once, so that
   * its own NAT lets the receiver's first HELLO in, and again until the receiver's answer could
   * have come over a slow relayed path, so that a receiver that opened its session only on that
   * answer hears one. Ten rounds in 3 s.
   */
  static final long[] PUNCH_SCHEDULE_MS = {0, 100, 200, 300, 500, 700, 1000, 1500, 2000, 3000};
  /** The most addresses a source probes for one session. */
  static final int MAX_PUNCH_ADDRESSES = 2;
  /** How long a source keeps a refused session's socket to answer repeated HELLOs. */
  static final long REFUSED_LINGER_NS = 3_000_000_000L;

  final long openTimeoutNs;
  final long idleTimeoutNs;
  final long keepaliveNs;
  final long preparedTimeoutNs;
  final int maxPrepared;
  final int maxWanted;
  final int maxWindowBytes;
  final int socketBufferBytes;
  final int ioThreads;
  final @Nullable Executor callbackExecutor;
  /** What makes each session's RTT estimator, loss detector, congestion controller and pacer. */
  final SessionPolicies policies;

  UdpSettings(TransportOptions options, SessionPolicies policies) {
    this.policies = java.util.Objects.requireNonNull(policies, "policies");
    UdpTransportOptions o = options.settings(UdpTransportOptions.class);
    if (o == null) {
      o = UdpTransportOptions.defaults();
    }
    openTimeoutNs = o.openTimeout().toNanos();
    idleTimeoutNs = o.idleTimeout().toNanos();
    keepaliveNs = o.keepalive().toNanos();
    preparedTimeoutNs = o.preparedTimeout().toNanos();
    maxPrepared = o.maxPreparedSessions();
    maxWanted = o.maxWanted();
    maxWindowBytes = o.maxWindowBytes();
    socketBufferBytes = o.socketBufferBytes();
    ioThreads = o.ioThreads();
    callbackExecutor = options.callbackExecutor();
  }
}
