package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TextTest {
  @Test
  void durationsAreWholeSecondsRoundedDownAsPlayersShowThem() {
    assertThat(Text.duration(Duration.ofMillis(440_900))).isEqualTo("7:20");
    assertThat(Text.duration(Duration.ofMillis(191_500))).isEqualTo("3:11");
    assertThat(Text.duration(Duration.ofMillis(59_999))).isEqualTo("0:59");
    assertThat(Text.duration(Duration.ofMillis(3_599_999))).isEqualTo("59:59");
    assertThat(Text.duration(Duration.ofMillis(3_723_999))).isEqualTo("1:02:03");
    assertThat(Text.duration(Duration.ofMillis(400))).isEqualTo("0:00");
    assertThat(Text.duration(Duration.ZERO)).isEqualTo("-");
  }
}
