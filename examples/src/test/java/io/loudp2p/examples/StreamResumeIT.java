package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.stream.internal.DefaultChunkScheduler;
import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.TestAudio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stream} into a file, run as its own process and killed (SIGKILL) at three random points
 * before it is let finish: each run fetches from the network only what the earlier ones did not
 * keep, and the file is the shared one, byte for byte. And stopped with Ctrl-C, it says what it
 * kept.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamResumeIT {
  /** The track: 16 MiB of noise, 1,025 chunks with the header's. */
  private static final int TRACK_BYTES = 16 << 20;
  private static final long SEED = 20240611L;
  /** Chunks the core's cache writer puts in one batch at most (its {@code MAX_BATCH}). */
  private static final int CACHE_BATCH = 64;
  /**
   * What one killed run can have asked for and not kept: the chunks its session asks for past its
   * read position at most, and those verified but not yet on disk: the batch the cache writes
   * and the one gathering meanwhile (the disk keeps up with loopback here, so no more wait).
   */
  private static final long IN_FLIGHT = (long) (DefaultChunkScheduler.MAX_AHEAD_CHUNKS
      + 2 * CACHE_BATCH) * DefaultChunkScheduler.CHUNK_LENGTH;

  @TempDir Path tmp;
  private Peer sharer;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly().waitFor();
    }
    if (sharer != null) {
      sharer.close();
    }
  }

  @Test
  void aDownloadKilledThreeTimesAndResumedFetchesEachChunkFromTheNetworkAtMostOnce()
      throws Exception {
    byte[] wav = TestAudio.noiseWavOfBytes(TRACK_BYTES, SEED);
    sharer = Cli.sharer(tmp.resolve("music"), Map.of("resume.wav", wav));
    String id = Cli.id(sharer, "resume");
    int chunks = (wav.length + Manifest.CHUNK_SIZE - 1) / Manifest.CHUNK_SIZE;
    Path downloads = Files.createDirectory(tmp.resolve("downloads"));
    Path out = downloads.resolve("resume.wav");
    Path journal = journal(downloads, id);
    Random random = new Random(SEED);
    int[] held = new int[5];
    long[] sent = new long[5];
    List<String> said = new ArrayList<>();

    for (int run = 0; run < 4; run++) {
      held[run] = kept(journal);
      sent[run] = sent(sharer);
      // Killed once the cache kept a random part, a fifth to four fifths, of what it lacks.
      int killAt = held[run] + (int) ((chunks - held[run]) * (0.2 + 0.6 * random.nextDouble()));
      Process p = start("run" + run, "stream", id, "-b", Cli.address(sharer), "-o", out.toString());
      if (run < 3) {
        Await.until(() -> kept(journal) >= killAt || !p.isAlive(), Duration.ofSeconds(60),
            "run " + run + " keeps " + killAt + " chunks");
        p.destroyForcibly();
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      said.add(Files.readString(tmp.resolve("run" + run + ".out")));
      assertThat(p.exitValue())
          .as("run %d: %s%s", run, said.get(run), Files.readString(tmp.resolve("run" + run + ".err")))
          .isEqualTo(run < 3 ? 137 : 0); // 128 + SIGKILL: it had not ended by itself
    }
    // What a killed run had asked for is sent by the time the next one starts; the last one's
    // session, and those the sharer still serves to the dead, are over before the last count.
    Await.until(() -> sharer.metrics().sessionsServing() == 0, Duration.ofSeconds(30),
        "the sharer ends every session");
    held[4] = chunks;
    sent[4] = sent(sharer);

    List<String> runs = new ArrayList<>();
    for (int run = 0; run < 4; run++) {
      runs.add(String.format(Locale.ROOT, "run %d: %,d chunks kept before, %,d after; the sharer"
          + " sent %,d bytes (%.1f chunks)", run, held[run], held[run + 1],
          sent[run + 1] - sent[run], (sent[run + 1] - sent[run]) / (double) Manifest.CHUNK_SIZE));
    }
    String numbers = String.join("\n", runs) + String.format(Locale.ROOT,
        "%ntrack %,d bytes, %,d chunks; sent %,d bytes in all", wav.length, chunks,
        sent[4] - sent[0]);
    System.out.println(numbers);
    assertThat(Files.readAllBytes(out)).isEqualTo(wav);
    for (int run = 0; run < 4; run++) {
      // Each run fetched only chunks the earlier ones had not kept: those it kept, and those in
      // flight when it was killed.
      assertThat(sent[run + 1] - sent[run]).as(numbers)
          .isLessThanOrEqualTo((long) (held[run + 1] - held[run]) * Manifest.CHUNK_SIZE + IN_FLIGHT);
      if (run > 0) {
        assertThat(said.get(run)).contains(String.format(Locale.ROOT,
            "resuming: %,d of %,d chunks already here", held[run], chunks));
      }
    }
    assertThat(sent[4] - sent[0]).as(numbers).isLessThanOrEqualTo(wav.length + 3 * IN_FLIGHT);
    // The last run read every chunk kept from disk, and fetched only the others.
    assertThat(chunksVia(said.get(3), "local")).as(said.get(3)).isEqualTo(held[3]);
    assertThat(chunksVia(said.get(3), "udp") + chunksVia(said.get(3), "grpc")).as(said.get(3))
        .isEqualTo(chunks - held[3]);
    assertThat(downloads.resolve(PartialCache.FOLDER)).doesNotExist();
  }

  @Test
  void ctrlCWritesWhatWasFetchedAndSaysWhatIsKept() throws Exception {
    byte[] wav = TestAudio.noiseWavOfBytes(4 << 20, SEED + 1);
    sharer = Cli.sharer(tmp.resolve("music"), Map.of("stopped.wav", wav));
    String id = Cli.id(sharer, "stopped");
    Path downloads = Files.createDirectory(tmp.resolve("downloads"));
    Path journal = journal(downloads, id);
    Path stderr = tmp.resolve("run.err");
    Process p = start("run", "stream", id, "-b", Cli.address(sharer),
        "-o", downloads.resolve("stopped.wav").toString());
    Await.until(() -> kept(journal) >= 40 || !p.isAlive(), Duration.ofSeconds(60), "40 chunks kept");

    Process ctrlC = new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start();

    assertThat(ctrlC.waitFor(10, TimeUnit.SECONDS) && ctrlC.exitValue() == 0).isTrue();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(stderr)).isEqualTo(StreamCommand.INTERRUPTED);
    // Every chunk fetched before the signal was written: the journal counts what the line says.
    assertThat(Files.readString(stderr)).endsWith(String.format(Locale.ROOT, "loudp2p: interrupted;"
        + " %,d of 257 chunks are kept: running the same command again resumes%n", kept(journal)));
    try (java.util.stream.Stream<Path> files = Files.list(downloads)) {
      assertThat(files).containsExactly(downloads.resolve(PartialCache.FOLDER));
    }
  }

  /** The journal of {@code track} in the partial cache of {@code folder}. */
  private static Path journal(Path folder, String track) {
    return folder.resolve(PartialCache.FOLDER).resolve("chunks").resolve("tracks").resolve(track)
        .resolve("present.log");
  }

  /** The chunks the rows of {@code report}'s source table with transport {@code via} delivered. */
  private static int chunksVia(String report, String via) {
    int sum = 0;
    for (String line : report.lines().toList()) {
      String[] cells = line.trim().split("\\s{2,}");
      if (cells.length == 7 && cells[1].equals(via)) {
        sum += Integer.parseInt(cells[3]);
      }
    }
    return sum;
  }

  /** Chunks the partial cache has recorded as kept: its journal's 4-byte records. */
  private static int kept(Path journal) {
    try {
      return (int) (Files.size(journal) / 4);
    } catch (IOException e) {
      return 0;
    }
  }

  private static long sent(Peer peer) {
    return peer.metrics().bytesSent().values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Starts the command line in a JVM of its own, on this test's class path, with its output in
   * {@code NAME.out} and {@code NAME.err}.
   */
  private Process start(String name, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        "io.loudp2p.examples.Main"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectOutput(tmp.resolve(name + ".out").toFile())
        .redirectError(tmp.resolve(name + ".err").toFile()).start();
    started.add(p);
    return p;
  }
}
