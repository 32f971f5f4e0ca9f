package io.loudp2p.core.network;

import io.loudp2p.Role;
import java.util.Objects;

/**
 * Decides whether a peer changes its role. Called periodically with what the peer observed; time
 * is passed in. Implementations must be thread-safe and fast.
 */
public interface RolePolicy {
  /**
   * What a peer knows of itself when deciding.
   *
   * @param role its role now
   * @param uptimeMs how long it has been running
   * @param sinceChangeMs how long since its role last changed (or since start)
   * @param reachable whether other peers reached it lately (it accepts inbound connections)
   * @param load its own resource use (CPU, heap, sessions streaming) over what it can give: 0
   *     idle, 1 at capacity, more is overloaded; never the rate at which others send it requests
   */
  record Inputs(Role role, long uptimeMs, long sinceChangeMs, boolean reachable, double load) {
    /** Checks the parts. */
    public Inputs {
      Objects.requireNonNull(role, "role");
    }
  }

  /** The role the peer should have now: its current one to stay. */
  Role decide(Inputs inputs);
}
