package io.loudp2p.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SettingChecksTest {
  @Test
  void withinAcceptsBothBoundsAndRefusesWhatLiesOutsideNamingTheSetting() {
    assertThat(SettingChecks.within("ioThreads", 1, 1, 64)).isEqualTo(1);
    assertThat(SettingChecks.within("ioThreads", 64, 1, 64)).isEqualTo(64);
    assertThatThrownBy(() -> SettingChecks.within("ioThreads", 0, 1, 64))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ioThreads must be 1..64, got 0");
    assertThatThrownBy(() -> SettingChecks.within("ioThreads", 65, 1, 64))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ioThreads must be 1..64, got 65");
  }

  @Test
  void positiveAcceptsUpToADayAndRefusesZeroNegativeLongerAndNull() {
    assertThat(SettingChecks.positive("idleTimeout", Duration.ofNanos(1)))
        .isEqualTo(Duration.ofNanos(1));
    assertThat(SettingChecks.positive("idleTimeout", Duration.ofDays(1)))
        .isEqualTo(Duration.ofDays(1));
    assertThatThrownBy(() -> SettingChecks.positive("idleTimeout", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idleTimeout must be positive and at most PT24H, got PT0S");
    assertThatThrownBy(() -> SettingChecks.positive("idleTimeout", Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idleTimeout must be positive and at most PT24H, got PT-0.001S");
    assertThatThrownBy(() -> SettingChecks.positive("idleTimeout", Duration.ofDays(1).plusNanos(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idleTimeout must be positive and at most PT24H, got PT24H0.000000001S");
    assertThatThrownBy(() -> SettingChecks.positive("idleTimeout", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("idleTimeout");
  }
}
