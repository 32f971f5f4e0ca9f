package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JavaScript light client's own tests ({@code examples/web}, {@code node --test}), run by the
 * build: its unit tests, and its interop test against this module's command line ({@code share
 * --web}, started from the test class path). Skipped, with the reason, where there is no
 * {@code npm}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class WebClientIT {
  private static final Path WEB = Path.of("web");

  @Test
  void theWebClientsTestsPassAgainstThisPeer() throws Exception {
    assumeTrue(found("npm"), "no npm on the PATH: the web client's tests are skipped");
    run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), 180);
    String out = run(List.of("npm", "test"), 120);

    assertThat(out).containsPattern("(?m)^# fail 0$").containsPattern("(?m)^# skipped 0$");
    assertThat(out).containsPattern("(?m)^# pass [1-9]\\d*$");
  }

  /** Runs {@code command} in the web client's folder; its output, and a failure when it fails. */
  private static String run(List<String> command, int seconds) throws Exception {
    Path log = Files.createTempFile("loudp2p-web", ".log");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(WEB.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().put("LOUDP2P_CLASS_PATH", System.getProperty("java.class.path"));
      Process p = pb.start();
      boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
      if (!ended) {
        p.destroyForcibly().waitFor();
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(ended).as("%s ended within %d s:%n%s", command, seconds, out).isTrue();
      assertThat(p.exitValue()).as("%s:%n%s", command, out).isZero();
      return out;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static boolean found(String program) {
    try {
      return new ProcessBuilder(program, "--version").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
