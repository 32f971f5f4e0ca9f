package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The first HELLO is resent after about the set-up's round trip, not below it. */
class HelloIntervalTest {
  private static final long MS = 1_000_000L;

  @Test
  void aHelloIsResentAfterOneAndAHalfSetUpRoundTripsWithinItsBounds() {
    assertThat(UdpSettings.firstHelloIntervalNs(0)).isEqualTo(100 * MS); // loopback
    assertThat(UdpSettings.firstHelloIntervalNs(20 * MS)).isEqualTo(100 * MS); // Wi-Fi
    assertThat(UdpSettings.firstHelloIntervalNs(100 * MS)).isEqualTo(150 * MS); // far away
    // 3G: the set-up's call took 300 ms or more; a HELLO resent at 100 ms drew three ACCEPTs.
    assertThat(UdpSettings.firstHelloIntervalNs(320 * MS)).isEqualTo(400 * MS);
    assertThat(UdpSettings.firstHelloIntervalNs(5_000 * MS)).isEqualTo(400 * MS);
    assertThat(UdpSettings.firstHelloIntervalNs(-1)).isEqualTo(100 * MS);
  }
}
