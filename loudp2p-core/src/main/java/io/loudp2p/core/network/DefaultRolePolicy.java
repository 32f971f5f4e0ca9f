package io.loudp2p.core.network;

import io.loudp2p.Role;
import java.time.Duration;

/**
 * Promotes a LIGHT peer that has stayed up {@link #MIN_UPTIME}, is reachable and has spare capacity
 * (load at most {@value #PROMOTE_MAX_LOAD}); demotes a FULL peer whose load reached {@value
 * #DEMOTE_LOAD} (overloaded). After a change a peer keeps its role for {@link #HOLD}, so roles do
 * not flap. Since peers that leave stop counting and peers that stay are promoted, FULL peers that
 * leave are replaced by those that stayed. Stateless and thread-safe.
 */
public final class DefaultRolePolicy implements RolePolicy {
  /** Uptime a LIGHT peer needs before it is promoted. */
  public static final Duration MIN_UPTIME = Duration.ofMinutes(10);
  /** Time a role is kept after a change. */
  public static final Duration HOLD = Duration.ofMinutes(5);
  /** Highest load at which a LIGHT peer is promoted. */
  public static final double PROMOTE_MAX_LOAD = 0.5;
  /** Load at which a FULL peer demotes itself. */
  public static final double DEMOTE_LOAD = 1.0;

  private final long minUptimeMs;
  private final long holdMs;

  /** The policy with the default thresholds. */
  public DefaultRolePolicy() {
    this(MIN_UPTIME, HOLD);
  }

  /** The policy with other times (shorter ones for tests on real clocks). */
  public DefaultRolePolicy(Duration minUptime, Duration hold) {
    this.minUptimeMs = minUptime.toMillis();
    this.holdMs = hold.toMillis();
  }

  @Override
  public Role decide(Inputs in) {
    if (in.sinceChangeMs() < holdMs) {
      return in.role();
    }
    if (in.role() == Role.LIGHT) {
      boolean promote = in.reachable() && in.uptimeMs() >= minUptimeMs
          && in.load() <= PROMOTE_MAX_LOAD;
      return promote ? Role.FULL : Role.LIGHT;
    }
    return in.load() >= DEMOTE_LOAD ? Role.LIGHT : Role.FULL;
  }
}
