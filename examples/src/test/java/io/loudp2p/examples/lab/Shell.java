package io.loudp2p.examples.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the lab's set-up commands ({@code ip}, {@code tc}, {@code nft}) and checks that each worked. */
final class Shell {
  /** The niceness of what runs in the lab's namespaces; only root may lower it below 0. */
  static final int LAB_NICENESS = -10;

  private Shell() {}

  /** Runs {@code command} to its end (at most 30 s); its output, or an exception that has its error. */
  static String run(String... command) {
    return run(List.of(command));
  }

  static String run(List<String> command) {
    Result r = tryRun(command);
    if (r.exit() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (exit " + r.exit()
          + "): " + r.output().strip());
    }
    return r.output();
  }

  /** What a command printed (standard output and error together) and its exit status. */
  record Result(int exit, String output) {}

  /** Runs {@code command} to its end (at most 30 s), whatever its exit status. */
  static Result tryRun(List<String> command) {
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
    try {
      Process p = b.start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not end within 30 s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(127, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }

  /**
   * {@code command} run inside network namespace {@code ns}, at a higher scheduling priority than
   * the build's own processes: the lab's delay lines and peers run against the clock of their
   * links, while the tests beside them (simulations on virtual clocks, the build) can wait.
   */
  static List<String> in(String ns, List<String> command) {
    List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", ns, "nice", "-n",
        Integer.toString(LAB_NICENESS)));
    out.addAll(command);
    return out;
  }

  /** Runs {@code command} inside network namespace {@code ns}, checking its exit status. */
  static String runIn(String ns, String... command) {
    return run(in(ns, List.of(command)));
  }
}
