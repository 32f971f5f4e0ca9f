package io.loudp2p.core.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TagTextTest {
  @Test
  void cutsLongTextAndIgnoresAbsurdTrackNumbers() {
    assertThat(TagText.clean("x".repeat(AudioProbe.MAX_TEXT_LENGTH + 10)))
        .hasSize(AudioProbe.MAX_TEXT_LENGTH);
    assertThat(TagText.clean(" a\u0000b ")).isEqualTo("a b");
    assertThat(TagText.trackNumber("7/12")).isEqualTo(7);
    assertThat(TagText.trackNumber(String.valueOf(AudioProbe.MAX_TRACK_NUMBER)))
        .isEqualTo(AudioProbe.MAX_TRACK_NUMBER);
    assertThat(TagText.trackNumber(String.valueOf(AudioProbe.MAX_TRACK_NUMBER + 1))).isZero();
    assertThat(TagText.trackNumber("99999999999")).isZero();
    assertThat(TagText.trackNumber("side A")).isZero();
    assertThat(TagText.titleOf("", "song.name.mp3")).isEqualTo("song.name");
    assertThat(TagText.titleOf("  ", ".mp3")).isEqualTo(".mp3");
  }
}
