package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo network runs to its end by itself and reports what happened. */
class DemoCommandTest {
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void theDemoSearchesFromTheLightClientStreamsFromThreeSourcesLosesOneAndEndsByItself() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int exit = Main.run(new String[] {"demo", "--speed", "40"}, new PrintWriter(out, true),
        new PrintWriter(err, true));

    String o = out.toString();
    assertThat(exit).as(o + err).isZero();
    assertThat(o).contains("seed", "alpha", "bravo", "charlie", "phone", "LIGHT");
    assertThat(o).contains("Lamplighter  Mira Okafor  Night Transit  0:36  3");
    assertThat(o).contains("source alpha added", "source bravo added", "source charlie added");
    assertThat(o).contains("bravo leaves the network", "source bravo dropped");
    assertThat(o).containsPattern("(?m)^bravo +(grpc|udp) .* dropped$");
    assertThat(o).contains("time to first byte", "identical to the original", "Done in");
    assertThat(o).doesNotContain("Exception");
  }

  @Test
  void aSpeedOutOfRangeIsOneLineAndExitCodeOne() {
    StringWriter err = new StringWriter();
    int exit = Main.run(new String[] {"demo", "--speed", "0"}, new PrintWriter(new StringWriter()),
        new PrintWriter(err, true));
    assertThat(exit).isEqualTo(UserError.BAD_INPUT);
    assertThat(err.toString().strip()).isEqualTo("loudp2p: --speed must be between 0.5 and 1000, not 0.0");
  }
}
