package io.loudp2p.core.testing;

import io.loudp2p.Peer;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.peer.CorePeerFactory;
import io.loudp2p.core.peer.PeerRuntime;
import io.loudp2p.core.peer.ResourceGauge;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.spi.TransportRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Real core peers on an {@link InMemoryNetwork} and its virtual clock: each gets its own host
 * address, an {@link InMemoryTransport} for control and data, a {@link VirtualTimer}, and seeded
 * randomness and identity (and all share one cache of the keys and peer records their openers
 * checked, as peers in one process may: every message is still verified by its receiver), so that tests and simulations drive minutes of a peer's life in
 * milliseconds and the same seed gives the same run. Peers listen on port {@value #PORT}.
 *
 * <p>Made for a network in {@link InMemoryNetwork.Delivery#MANUAL} mode, moved by {@link
 * InMemoryNetwork#runFor}. {@link #close()} closes every peer made. Not thread-safe.
 */
public final class VirtualPeers implements AutoCloseable {
  /** When a network's clock starts by default, as a wall-clock time (2026-12-01T00:00Z). */
  public static final long EPOCH_MS = FakeClock.DEFAULT_EPOCH_MS;
  /** The control port every peer listens on, at its own host address. */
  public static final int PORT = 7070;

  private final InMemoryNetwork network;
  private final Random random;
  private final Clock clock;
  private final List<Peer> made = new ArrayList<>();
  /** One cache of checked keys and records for all the peers, as one process would keep. */
  private final EnvelopeOpener.Cache verified = new EnvelopeOpener.Cache(1 << 16, 1 << 16);

  /** Peers on {@code network}, their identities and randomness drawn from {@code seed}. */
  public VirtualPeers(InMemoryNetwork network, long seed) {
    this.network = network;
    this.random = new Random(seed);
    this.clock = network.clock().wallClock();
  }

  /** The wall clock the peers read: the network's {@link FakeClock} as a {@link Clock}. */
  public Clock clock() {
    return clock;
  }

  /** The network the peers live on. */
  public InMemoryNetwork network() {
    return network;
  }

  /** A peer made with a new transport; not started. */
  public Made add(Peer.Builder builder) {
    return add(network.newTransport(), builder);
  }

  /** A peer made with a new transport whose own resources read as {@code gauge}; not started. */
  public Made add(Peer.Builder builder, ResourceGauge gauge) {
    return add(network.newTransport(), builder, gauge);
  }

  /**
   * A peer on {@code transport}, listening at its host on {@link #PORT} (any listen address in
   * {@code builder} is replaced); not started.
   */
  public Made add(InMemoryTransport transport, Peer.Builder builder) {
    // The peers share one process: none of them owns its CPU or heap.
    return add(transport, builder, ResourceGauge.IDLE);
  }

  /**
   * A peer on {@code transport} as {@link #add(InMemoryTransport, Peer.Builder)}, whose transports
   * come from {@code registry} (which should hand out {@code transport} for control); not started.
   */
  public Made add(InMemoryTransport transport, TransportRegistry registry, Peer.Builder builder) {
    return add(transport, registry, builder, ResourceGauge.IDLE);
  }

  private Made add(InMemoryTransport transport, Peer.Builder builder, ResourceGauge gauge) {
    return add(transport, InMemoryProviders.registry(transport), builder, gauge);
  }

  private Made add(InMemoryTransport transport, TransportRegistry registry, Peer.Builder builder,
      ResourceGauge gauge) {
    Identity id = identity();
    Peer.Config config =
        builder.config().withListen(List.of(new InetSocketAddress(transport.host(), PORT)));
    // Shared folders are scanned on the starting thread: a run must go the same way every time.
    PeerRuntime runtime = new PeerRuntime(clock, network.clock().nanoSource(), name -> new VirtualTimer(network),
        new Random(random.nextLong()), () -> id, false, verified, gauge, Runnable::run);
    Peer peer = CorePeerFactory.create(config, registry, runtime);
    made.add(peer);
    return new Made(peer, transport, id);
  }

  /** A peer and what it runs on. */
  public record Made(Peer peer, InMemoryTransport transport, Identity identity) {
    /** Where the peer listens for control messages. */
    public InetSocketAddress address() {
      return new InetSocketAddress(transport.host(), PORT);
    }
  }

  private Identity identity() {
    byte[] secret = new byte[Identity.PRIVATE_KEY_LENGTH];
    while (true) {
      random.nextBytes(secret);
      try {
        return Identity.fromPrivateKey(secret);
      } catch (IllegalArgumentException e) {
        // not a valid scalar (about one in 2^128): draw again
      }
    }
  }

  @Override
  public void close() {
    for (Peer p : made) {
      p.close();
    }
  }
}
