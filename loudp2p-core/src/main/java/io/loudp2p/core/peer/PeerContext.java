package io.loudp2p.core.peer;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What every part of a running peer shares and none of them owns: its configuration, clocks,
 * randomness, identity, the sealer and opener of its envelopes, the timer that runs its overlay
 * work, and the queue of the events its listener hears. Made once at start; immutable but for
 * {@link #closed()}.
 *
 * <p>The timer is single-threaded: periodic overlay work (shuffles, role checks, retries, record
 * refresh) and search deadlines run on it, one at a time. Disk writes never do (see {@link
 * StreamOpener}).
 */
final class PeerContext {
  final Peer.Config config;
  final PeerRuntime runtime;
  final Clock clock;
  final Random random;
  final Identity identity;
  final EnvelopeSealer sealer;
  final EnvelopeOpener opener;
  final ScheduledExecutorService timer;
  /** Where the parts queue what the user's {@link Peer.Listener} hears, from any thread. */
  final PeerEvents events;
  /** What the peer's parts count as they work, for its metrics. */
  final PeerCounters counters = new PeerCounters();
  private volatile boolean closed;

  PeerContext(Peer.Config config, PeerRuntime runtime, Identity identity, EnvelopeOpener opener,
      ScheduledExecutorService timer, PeerEvents events) {
    this.config = config;
    this.runtime = runtime;
    this.clock = runtime.clock();
    this.random = runtime.random();
    this.identity = identity;
    this.sealer = new EnvelopeSealer(identity, clock, random);
    this.opener = opener;
    this.timer = timer;
    this.events = events;
  }

  PeerId self() {
    return identity.peerId();
  }

  long nowMs() {
    return clock.millis();
  }

  long nowNs() {
    return runtime.nanoTime().getAsLong();
  }

  /** Signs a payload as this peer: the bytes of its envelope, as sent. */
  byte[] seal(Payload.Builder payload) {
    return sealer.seal(payload).toByteArray();
  }

  /** Runs {@code task} on the timer after {@code delayMs}; false when the peer is closing. */
  boolean schedule(Runnable task, long delayMs) {
    try {
      timer.schedule(task, delayMs, TimeUnit.MILLISECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Runs {@code task} every {@code periodMs} on the timer, the first time after {@code firstMs}. */
  void every(Runnable task, long firstMs, long periodMs) {
    timer.scheduleAtFixedRate(task, firstMs, periodMs, TimeUnit.MILLISECONDS);
  }

  boolean closed() {
    return closed;
  }

  void markClosed() {
    closed = true;
  }
}
