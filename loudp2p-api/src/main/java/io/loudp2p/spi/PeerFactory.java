package io.loudp2p.spi;

import io.loudp2p.Peer;

/**
 * Makes {@link Peer}s; found by {@link java.util.ServiceLoader} when an application calls
 * {@link Peer.Builder#build()}. The core module provides the one implementation.
 */
public interface PeerFactory {
  /** A new, not yet started peer with these settings. */
  Peer create(Peer.Config config);
}
