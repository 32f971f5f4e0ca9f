package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class EntityTagsTest {
  private static final String TAG = "\"abc\"";

  @Test
  void matchesTheSameTagStrongOrWeakAndTheWildcard() {
    for (String field : List.of("\"abc\"", "W/\"abc\"", "*", " * ", "  \"abc\"  ")) {
      assertThat(EntityTags.matchAny(List.of(field), TAG)).as(field).isTrue();
    }
    assertThat(EntityTags.matchAny(List.of("\"abc\""), "W/\"abc\"")).isTrue();
  }

  @Test
  void matchesATagAnywhereInAListOrInAnyFieldLine() {
    for (String field : List.of("\"x\", \"abc\"", "\"x\",W/\"abc\",\"y\"", ",,\"abc\",",
        "\"a,b\", \"abc\"", "\"x\"\t,\t\"abc\"")) {
      assertThat(EntityTags.matchAny(List.of(field), TAG)).as(field).isTrue();
    }
    assertThat(EntityTags.matchAny(List.of("\"x\"", "\"abc\""), TAG)).isTrue();
  }

  @Test
  void otherTagsAndNoFieldDoNotMatch() {
    for (String field : List.of("\"abcd\"", "\"ab\"", "\"ABC\"", "\"\"", "", "abc", "w/\"abc\"",
        "\"a,b,c\"", "\"x\", *", "**", "\"abc", "W/ \"abc\"")) {
      assertThat(EntityTags.matchAny(List.of(field), TAG)).as(field).isFalse();
    }
    assertThat(EntityTags.matchAny(List.of(), TAG)).isFalse();
  }

  @Test
  void aListStopsCountingWhereItStopsParsing() {
    assertThat(EntityTags.matchAny(List.of("\"abc\", junk"), TAG)).isTrue();
    assertThat(EntityTags.matchAny(List.of("junk, \"abc\""), TAG)).isFalse();
    assertThat(EntityTags.matchAny(List.of("\"x\"junk\"abc\""), TAG)).isFalse();
  }

  @Test
  void theResourcesTagMustBeQuoted() {
    assertThatThrownBy(() -> EntityTags.matchAny(List.of("*"), "abc"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
