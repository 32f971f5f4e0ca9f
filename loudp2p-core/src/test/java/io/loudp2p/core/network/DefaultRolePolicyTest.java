package io.loudp2p.core.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Role;
import org.junit.jupiter.api.Test;

class DefaultRolePolicyTest {
  private static final long MINUTE = 60_000;
  private final RolePolicy policy = new DefaultRolePolicy();

  @Test
  void promotesALightPeerThatStayedUpIsReachableAndIdle() {
    assertThat(policy.decide(new RolePolicy.Inputs(Role.LIGHT, 11 * MINUTE, 11 * MINUTE, true, 0.1)))
        .isEqualTo(Role.FULL);
  }

  @Test
  void keepsALightPeerLightWhenNewUnreachableOrBusy() {
    assertThat(policy.decide(new RolePolicy.Inputs(Role.LIGHT, 9 * MINUTE, 9 * MINUTE, true, 0.1)))
        .isEqualTo(Role.LIGHT);
    assertThat(policy.decide(new RolePolicy.Inputs(Role.LIGHT, 60 * MINUTE, 60 * MINUTE, false, 0.1)))
        .isEqualTo(Role.LIGHT);
    assertThat(policy.decide(new RolePolicy.Inputs(Role.LIGHT, 60 * MINUTE, 60 * MINUTE, true, 0.8)))
        .isEqualTo(Role.LIGHT);
  }

  @Test
  void demotesAnOverloadedFullPeerButNotRightAfterAChange() {
    assertThat(policy.decide(new RolePolicy.Inputs(Role.FULL, 60 * MINUTE, 60 * MINUTE, true, 1.2)))
        .isEqualTo(Role.LIGHT);
    assertThat(policy.decide(new RolePolicy.Inputs(Role.FULL, 60 * MINUTE, MINUTE, true, 1.2)))
        .isEqualTo(Role.FULL);
    assertThat(policy.decide(new RolePolicy.Inputs(Role.FULL, 60 * MINUTE, 60 * MINUTE, true, 0.9)))
        .isEqualTo(Role.FULL);
  }
}
