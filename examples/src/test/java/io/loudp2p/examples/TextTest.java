package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

  @Test
  void countsTakeThePluralUnlessThereIsOne() {
    assertThat(Text.count(1, "track")).isEqualTo("1 track");
    assertThat(Text.count(2, "track")).isEqualTo("2 tracks");
    assertThat(Text.count(0, "peer")).isEqualTo("0 peers");
    assertThat(Text.count(1, "search", "searches")).isEqualTo("1 search");
    assertThat(Text.count(3, "search", "searches")).isEqualTo("3 searches");
  }

  @Test
  void aTableNarrowsItsWidestColumnsToFitAndEndsCutCellsWithAnEllipsis() {
    StringWriter out = new StringWriter();
    Text.table(new PrintWriter(out), List.of("NAME", "NOTE", "N"),
        List.of(List.of("a rather long name indeed", "short", "1"), List.of("b", "x".repeat(40), "22")),
        30);

    List<String> lines = out.toString().lines().toList();
    assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(30));
    assertThat(lines.get(0)).startsWith("NAME").contains("NOTE", "N");
    assertThat(lines.get(1)).startsWith("a rather l").contains("…", "short").endsWith("1");
    assertThat(lines.get(2)).contains("xxxxx…").endsWith("22");
    assertThat(Text.ellipsis("abc", 3)).isEqualTo("abc");
    assertThat(Text.ellipsis("abcd", 3)).isEqualTo("ab…");
  }

  @Test
  void theTerminalWidthIsColumnsWhenSetElseOneHundred() {
    assertThat(Text.terminalWidth(Map.of("COLUMNS", "132"))).isEqualTo(132);
    assertThat(Text.terminalWidth(Map.of())).isEqualTo(100);
    assertThat(Text.terminalWidth(Map.of("COLUMNS", "wide"))).isEqualTo(100);
    assertThat(Text.terminalWidth(Map.of("COLUMNS", "5"))).isEqualTo(20);
  }
}
