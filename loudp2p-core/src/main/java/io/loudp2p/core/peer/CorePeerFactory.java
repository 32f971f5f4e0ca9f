package io.loudp2p.core.peer;

import io.loudp2p.Peer;
import io.loudp2p.core.network.DefaultRolePolicy;
import io.loudp2p.core.network.RolePolicy;
import io.loudp2p.spi.PeerFactory;
import io.loudp2p.spi.TransportRegistry;

/** Makes the core's {@link Peer}s; registered for {@link java.util.ServiceLoader}. */
public final class CorePeerFactory implements PeerFactory {
  /** Called by {@link java.util.ServiceLoader}. */
  public CorePeerFactory() {}

  @Override
  public Peer create(Peer.Config config) {
    return new RealPeer(config, TransportRegistry.defaultRegistry(), PeerRuntime.system(),
        new DefaultRolePolicy());
  }

  /**
   * A peer on the given transports and runtime, for simulations and tests that run many peers on
   * virtual time ({@link Peer#builder()} is what applications use).
   */
  public static Peer create(Peer.Config config, TransportRegistry transports, PeerRuntime runtime) {
    return create(config, transports, runtime, new DefaultRolePolicy());
  }

  /** A peer as {@link #create(Peer.Config, TransportRegistry, PeerRuntime)}, with its role policy. */
  public static Peer create(Peer.Config config, TransportRegistry transports, PeerRuntime runtime,
      RolePolicy rolePolicy) {
    return new RealPeer(config, transports, runtime, rolePolicy);
  }
}
