package io.loudp2p;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's Java code is compiled: every {@code java} block of it is in the consumer app's
 * {@code ApiTour} (src/it/consumer), which the build compiles against the installed artifacts.
 * Lines are compared without their indentation, in order, each block as one run of lines.
 */
class ReadmeCodeTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path TOUR =
      Path.of("src", "it", "consumer", "src", "main", "java", "com", "example", "ApiTour.java");

  @Test
  void everyJavaBlockOfTheReadmeIsInTheCompiledTour() throws IOException {
    List<String> blocks = javaBlocks(Files.readString(README));
    String tour = normalized(Files.readString(TOUR));

    assertThat(blocks).as("java blocks in the README").hasSizeGreaterThanOrEqualTo(5);
    for (String block : blocks) {
      assertThat(tour).as("the README's block\n%s\nis in ApiTour.java", block)
          .contains(normalized(block));
    }
  }

  @Test
  void aBlockThatIsNotInTheTourIsFound() {
    String tour = normalized("try (Peer peer = Peer.builder()\n    .build()) {\n}\n");
    assertThat(tour).doesNotContain(normalized("try (Peer peer = Peer.builder()\n    .start()) {"));
    assertThat(javaBlocks("a\n```java\nint x = 1;\n```\n```sh\nls\n```\n")).containsExactly(
        "int x = 1;\n");
  }

  static List<String> javaBlocks(String markdown) {
    List<String> blocks = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^```java\\n(.*?)^```$", Pattern.DOTALL).matcher(markdown);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  /** Each line without its leading and trailing blanks, blank lines left out. */
  static String normalized(String code) {
    StringBuilder b = new StringBuilder();
    for (String line : code.split("\n")) {
      if (!line.isBlank()) {
        b.append(line.strip()).append('\n');
      }
    }
    return b.toString();
  }
}
