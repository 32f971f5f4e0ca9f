package io.loudp2p.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EventRateTest {
  @Test
  void countsEventsOfTheWindowOnly() {
    EventRate rate = new EventRate(60);
    for (int i = 0; i < 100; i++) {
      rate.record(1_000_000 + i * 100); // ten seconds, ten a second
    }
    assertThat(rate.count(1_010_000)).isEqualTo(100);
    // 59 seconds after the last second of events, its events still count; a second later, not.
    assertThat(rate.count(1_009_900 + 59_000)).isEqualTo(10);
    assertThat(rate.count(1_009_900 + 60_000)).isZero();
  }

  @Test
  void keepsFixedMemoryWhateverTheRate() {
    EventRate rate = new EventRate(2);
    for (int i = 0; i < 1_000_000; i++) {
      rate.record(5_000);
    }
    rate.record(6_500);
    assertThat(rate.count(6_999)).isEqualTo(1_000_001);
    assertThat(rate.count(7_000)).isEqualTo(1);
  }

  @Test
  void refusesAnEmptyWindow() {
    assertThatThrownBy(() -> new EventRate(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
