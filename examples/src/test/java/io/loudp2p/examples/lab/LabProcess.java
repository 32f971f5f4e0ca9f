package io.loudp2p.examples.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A program running on a lab host. Its output (standard output and error together) is kept line by
 * line for the test, which can wait for a line, and copied to a log file.
 */
public final class LabProcess implements AutoCloseable {
  private final String label;
  private final Process process;
  private final Path log;
  /** What it printed so far, line by line; guarded by {@code this}, which is notified per line. */
  private final List<String> lines = new ArrayList<>();
  private boolean ended;

  LabProcess(String label, List<String> command, Path log) throws IOException {
    this.label = label;
    this.log = log;
    this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    Thread reader = new Thread(this::readOutput, "lab-output-" + label);
    reader.setDaemon(true);
    reader.start();
  }

  /** Copies its output into the log and the lines kept, waking whoever awaits a line. */
  private void readOutput() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8));
        Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        out.write(line);
        out.write('\n');
        out.flush();
        synchronized (this) {
          lines.add(line);
          notifyAll();
        }
      }
    } catch (IOException e) {
      // The process is gone; what it printed is kept.
    } finally {
      synchronized (this) {
        ended = true;
        notifyAll();
      }
    }
  }

  /** Everything it printed so far. */
  public synchronized String output() {
    return String.join("\n", lines);
  }

  /**
   * Waits until a line it printed matches {@code wanted}, and returns that line.
   *
   * @throws IllegalStateException when it ended first, or none did within {@code timeout}
   */
  public synchronized String awaitLine(Predicate<String> wanted, Duration timeout)
      throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    for (int seen = 0; ; ) {
      for (; seen < lines.size(); seen++) {
        if (wanted.test(lines.get(seen))) {
          return lines.get(seen);
        }
      }
      if (ended) {
        throw new IllegalStateException(label + " ended before the line awaited; it printed:\n"
            + tail());
      }
      long left = until - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException(label + " printed no such line within " + timeout
            + "; it printed:\n" + tail());
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Waits for its end and the last of its output, at most {@code timeout}; its exit status. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(label + " did not end within " + timeout + "; it printed:\n"
          + tail());
    }
    synchronized (this) {
      // The output pipe closes with the process: what is left in it is read in moments.
      long deadline = Math.max(until, System.nanoTime() + 1_000_000_000L);
      for (long left = deadline - System.nanoTime(); !ended && left > 0;
          left = deadline - System.nanoTime()) {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
    return process.exitValue();
  }

  /** The last 40 lines it printed. */
  public synchronized String tail() {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
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
