package io.loudp2p.core.peer;

import io.loudp2p.Peer;
import io.loudp2p.spi.PeerFactory;
import io.loudp2p.spi.TransportRegistry;

/** Makes the core's {@link Peer}s; registered for {@link java.util.ServiceLoader}. */
public final class CorePeerFactory implements PeerFactory {
  /** Called by {@link java.util.ServiceLoader}. */
  public CorePeerFactory() {}

  @Override
  public Peer create(Peer.Config config) {
    return new RealPeer(config, TransportRegistry.defaultRegistry());
  }
}
