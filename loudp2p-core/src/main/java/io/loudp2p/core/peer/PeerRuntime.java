package io.loudp2p.core.peer;

import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.wire.EnvelopeOpener;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What a peer takes from its surroundings: the wall clock, a monotonic clock, its timer thread,
 * randomness and new identities. {@link #system()} is what every application peer runs on; a
 * simulation passes virtual time and a timer driven by it, so that thousands of real peers run in
 * one thread, reproducibly, faster than real time.
 *
 * @param clock the wall clock: message timestamps, record expiry, role timing
 * @param nanoTime a monotonic clock in nanoseconds: rate limits, stream sessions, timeouts
 * @param timers makes the single-threaded timer a peer runs its periodic work on (peer sampling,
 *     role checks, retries, record refresh), given a thread name; the peer shuts it down on close
 * @param random where query IDs, session IDs, nonces and sampling choices come from
 * @param newIdentity makes the identity of a peer configured without an identity file
 * @param waitForBootstrap whether {@code Peer.start()} waits (up to the call deadline) for the
 *     bootstrap peers' first answers; a simulation that runs the network on the starting thread
 *     must not
 * @param verified what the peer's envelope opener remembers of keys and records it checked:
 *     peers in one process may share it (a signature verifies the same for all of them)
 * @param gauge how loaded the peer's own resources are, for its role policy
 * @param scans where the peer scans its shared folders once {@code Peer.start()} began them: null
 *     for a thread of the peer's own, stopped on close; a simulation that must run the same way
 *     every time passes {@code Runnable::run}, so they are scanned before {@code start()} returns
 */
public record PeerRuntime(Clock clock, LongSupplier nanoTime,
    Function<String, ScheduledExecutorService> timers, Random random,
    Supplier<Identity> newIdentity, boolean waitForBootstrap, EnvelopeOpener.Cache verified,
    ResourceGauge gauge, @Nullable Executor scans) {
  /** Checks the parts. */
  public PeerRuntime {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(nanoTime, "nanoTime");
    Objects.requireNonNull(timers, "timers");
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(newIdentity, "newIdentity");
    Objects.requireNonNull(verified, "verified");
    Objects.requireNonNull(gauge, "gauge");
  }

  /** A runtime that scans shared folders on the starting thread, as a simulation wants. */
  public PeerRuntime(Clock clock, LongSupplier nanoTime,
      Function<String, ScheduledExecutorService> timers, Random random,
      Supplier<Identity> newIdentity, boolean waitForBootstrap, EnvelopeOpener.Cache verified,
      ResourceGauge gauge) {
    this(clock, nanoTime, timers, random, newIdentity, waitForBootstrap, verified, gauge,
        Runnable::run);
  }

  /**
   * The system's clocks, a daemon timer thread, a {@link SecureRandom}, fresh identities, the
   * process's CPU and heap as its load, and shared folders scanned in the background.
   */
  public static PeerRuntime system() {
    return new PeerRuntime(Clock.systemUTC(), System::nanoTime, PeerRuntime::daemonTimer,
        new SecureRandom(), Identity::generate, true,
        new EnvelopeOpener.Cache(EnvelopeOpener.KEY_CACHE_SIZE, EnvelopeOpener.RECORD_CACHE_SIZE),
        ResourceGauge.jvm(), null);
  }

  private static ScheduledExecutorService daemonTimer(String name) {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }
}
