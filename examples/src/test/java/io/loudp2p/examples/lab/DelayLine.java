package io.loudp2p.examples.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One host link's delay line: {@code delayline.py} (beside this class) run in the router's
 * namespace on a TUN device of its own, holding every packet of the link for the profile's delay
 * and dropping the profile's share of them. It ends when its standard input closes, and with the
 * namespace.
 */
final class DelayLine implements AutoCloseable {
  private final Process process;
  private final BufferedReader out;

  private DelayLine(Process process) {
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8));
  }

  /** Copies the script into {@code dir} and says where it is. */
  static Path install(Path dir) throws IOException {
    Path script = dir.resolve("delayline.py");
    try (InputStream in = DelayLine.class.getResourceAsStream("delayline.py")) {
      if (in == null) {
        throw new IOException("delayline.py is missing from the test resources");
      }
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    return script;
  }

  /** Starts a delay line on a new TUN device {@code device} in namespace {@code ns}; waits until it is up. */
  static DelayLine start(Path script, String ns, String device, Duration delay, double loss,
      long seed, Path log) throws IOException {
    List<String> command = Shell.in(ns, List.of("python3", script.toString(), "--dev", device,
        "--delay-ms", String.format(Locale.ROOT, "%.3f", delay.toNanos() / 1e6),
        "--loss", Double.toString(loss), "--seed", Long.toString(seed)));
    Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
    DelayLine line = new DelayLine(p);
    try {
      String first = line.nextLine(Duration.ofSeconds(20));
      if (!"ready".equals(first)) {
        throw new IOException("the delay line on " + device + " did not start: "
            + Files.readString(log).strip());
      }
    } catch (Exception e) {
      line.close();
      throw e instanceof IOException io ? io : new IOException("the delay line on " + device
          + " did not start within 20 s", e);
    }
    return line;
  }

  /** Its next line of output, or null when it ended first. */
  private String nextLine(Duration within) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    }).get(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Changes the delay and loss of the packets that come from now on; waits until it took them. */
  synchronized void set(Duration delay, double loss) throws IOException {
    command(String.format(Locale.ROOT, "set %.3f %s", delay.toNanos() / 1e6,
        Double.toString(loss)), "set");
  }

  /**
   * Appends every packet that comes from now on to {@code file} (null: stops), each as a 4-byte
   * big-endian length and the packet, IP header first; waits until the delay line took it.
   */
  synchronized void capture(@Nullable Path file) throws IOException {
    command("capture " + (file == null ? "off" : file.toString()), "capture");
  }

  private void command(String line, String answer) throws IOException {
    try {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
      if (!answer.equals(nextLine(Duration.ofSeconds(10)))) {
        throw new IOException("the delay line did not take: " + line);
      }
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("the delay line did not answer within 10 s: " + line, e);
    }
  }

  @Override
  public void close() {
    try {
      process.getOutputStream().close(); // its signal to stop
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
