package io.loudp2p.examples.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A program running on a lab host, its output (standard output and error together) going to a log
 * file that the test reads as it grows.
 */
public final class LabProcess implements AutoCloseable {
  private final String label;
  private final Process process;
  private final Path log;

  LabProcess(String label, List<String> command, Path log) throws IOException {
    this.label = label;
    this.log = log;
    this.process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    process.getOutputStream().close();
  }

  /** Everything it printed so far. */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Waits until a line it printed matches {@code wanted}, and returns that line.
   *
   * @throws IllegalStateException when it ended first, or none did within {@code timeout}
   */
  public String awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (String line : output().split("\n")) {
        if (wanted.test(line)) {
          return line;
        }
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(label + " ended (exit " + process.exitValue()
            + ") before the line awaited; it printed:\n" + tail());
      }
      if (System.nanoTime() > until) {
        throw new IllegalStateException(label + " printed no such line within " + timeout
            + "; it printed:\n" + tail());
      }
      Thread.sleep(50);
    }
  }

  /** Waits for its end, at most {@code timeout}; its exit status. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(label + " did not end within " + timeout + "; it printed:\n"
          + tail());
    }
    return process.exitValue();
  }

  /** The last 40 lines it printed. */
  public String tail() {
    String[] lines = output().split("\n");
    return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 40), lines.length));
  }

  /** Kills it at once (SIGKILL): no goodbye to anyone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(3, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  @Override
  public String toString() {
    return label;
  }
}
