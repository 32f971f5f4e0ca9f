package io.loudp2p.core.testing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What has gone wrong with the hosts of an {@link InMemoryNetwork}: hosts killed (silent for
 * good), hosts that take no inbound calls (behind a NAT), and a partition that splits the hosts
 * in two. Owns that state alone; thread-safe.
 */
final class HostFaults {
  private final Set<InetAddress> killed = new HashSet<>();
  private final Set<InetAddress> inboundBlocked = new HashSet<>();
  private @Nullable Set<InetAddress> partitioned;

  synchronized void kill(InetAddress host) {
    killed.add(host);
  }

  synchronized boolean isKilled(InetAddress host) {
    return killed.contains(host);
  }

  synchronized void blockInbound(InetAddress host) {
    inboundBlocked.add(host);
  }

  /** From now on requests between a host in {@code side} and one outside it vanish. */
  synchronized void partition(Collection<InetAddress> side) {
    partitioned = Set.copyOf(side);
  }

  synchronized void heal() {
    partitioned = null;
  }

  /** Whether requests to {@code address} vanish: its host was killed or takes no inbound calls. */
  synchronized boolean isSilent(InetSocketAddress address) {
    return killed.contains(address.getAddress()) || inboundBlocked.contains(address.getAddress());
  }

  /** Whether requests from {@code from} to {@code address} vanish: silent, or across the cut. */
  synchronized boolean isSilent(InetAddress from, InetSocketAddress address) {
    return isSilent(address) || (partitioned != null
        && partitioned.contains(from) != partitioned.contains(address.getAddress()));
  }
}
