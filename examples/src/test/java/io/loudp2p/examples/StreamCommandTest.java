package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.proto.v1.TrackMetadata;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.examples.Cli.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stream} against a real peer sharing two tracks that one word finds: how it names,
 * replaces and writes files, how it takes track IDs and their starts, and how it keeps the chunks
 * of a file not yet whole.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamCommandTest {
  @TempDir Path tmp;
  private Peer sharer;
  private String at;
  private byte[] song;
  private byte[] dance;

  @BeforeEach
  void startSharer() throws IOException {
    song = CommandLineTest.wav("Lantern Song", "The Quiet Ones", 3);
    dance = CommandLineTest.wav("Lantern Dance", "The Loud Ones", 2);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("song.wav", song);
    files.put("dance.wav", dance);
    sharer = Cli.sharer(tmp.resolve("music"), files);
    at = Cli.address(sharer);
  }

  @AfterEach
  void stopSharer() {
    sharer.close();
  }

  @Test
  void streamNeverReplacesAFileWithoutForce() throws IOException {
    Path folder = Files.createDirectory(tmp.resolve("downloads"));
    Path existing = Files.writeString(folder.resolve("The Quiet Ones - Lantern Song.wav"), "mine");
    Path named = Files.writeString(tmp.resolve("named.wav"), "mine too");
    String id = Cli.id(sharer, "lantern song");

    Run intoFolder = run("stream", "lantern", "song", "-b", at, "-o", folder.toString());
    Run byIdIntoFolder = run("stream", id, "-b", at, "-o", folder.toString());
    Run toFile = run("stream", id, "-b", at, "-o", named.toString());

    for (Run r : List.of(intoFolder, byIdIntoFolder)) {
      assertThat(r.exit()).as(r.err()).isEqualTo(1);
      assertThat(r.err().strip()).endsWith("loudp2p: " + existing + " exists; --force replaces it");
    }
    assertThat(toFile.exit()).isEqualTo(1);
    assertThat(toFile.err()).isEqualTo("loudp2p: " + named + " exists; --force replaces it\n");
    assertThat(existing).hasContent("mine");
    assertThat(named).hasContent("mine too");
    try (java.util.stream.Stream<Path> files = Files.list(folder)) {
      assertThat(files).containsExactly(existing);
    }

    Run forced = run("stream", "lantern", "song", "-b", at, "-o", folder.toString(), "--force");
    assertThat(forced.exit()).as(forced.err()).isZero();
    assertThat(Files.readAllBytes(existing)).isEqualTo(song);
  }

  @Test
  void streamWritesIntoAFifoInPlaceAndLeavesItAFifo() throws Exception {
    Path fifo = tmp.resolve("pipe");
    Process mkfifo;
    try {
      mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    } catch (IOException e) {
      Assumptions.abort("no mkfifo here");
      return;
    }
    Assumptions.assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0);
    String id = Cli.id(sharer, "lantern song");
    java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> {
          try {
            return Files.readAllBytes(fifo);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });

    Run r;
    try {
      r = run("stream", id, "-b", at, "-o", fifo.toString());
    } finally {
      if (!read.isDone()) {
        // The command never opened it: let the reader go.
        Files.newOutputStream(fifo, StandardOpenOption.WRITE).close();
      }
    }

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(read.get(20, TimeUnit.SECONDS)).isEqualTo(song);
    assertThat(Files.isRegularFile(fifo)).isFalse();
    assertThat(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class).isOther()).isTrue();
    try (java.util.stream.Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("pipe.part");
    }
  }

  @Test
  void searchWordsThatFindSeveralTracksSayWhichOneWasPicked() throws IOException {
    Path out = tmp.resolve("picked.wav");

    Run r = run("stream", "lantern", "-b", at, "-o", out.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    byte[] got = Files.readAllBytes(out);
    boolean isSong = java.util.Arrays.equals(got, song);
    String title = isSong ? "Lantern Song" : "Lantern Dance";
    String artist = isSong ? "The Quiet Ones" : "The Loud Ones";
    String id = Cli.id(sharer, title);
    assertThat(r.err()).contains("picked \"" + title + "\" by " + artist + " (" + id.substring(0, 12)
        + ") of 2 hits");
    assertThat(r.err().lines().filter(l -> l.startsWith("picked"))).hasSize(1);
  }

  @Test
  void theStartOfATrackIdThatSearchPrintedChoosesAmongTheHitsOfTheWordsOrAloneOfWhatPeersShare() throws IOException {
    String dancesId = Cli.id(sharer, "lantern dance");
    String prefix = dancesId.substring(0, SearchResults.SHORT_ID);
    Path out = tmp.resolve("chosen.wav");

    Run chosen = run("stream", "lantern", prefix, "-b", at, "-o", out.toString());
    Run alone = run("stream", prefix, "-b", at, "-o", tmp.resolve("alone.wav").toString());

    assertThat(chosen.exit()).as(chosen.err()).isZero();
    assertThat(Files.readAllBytes(out)).isEqualTo(dance);
    assertThat(chosen.err()).doesNotContain("picked");
    // Alone, the start of an ID is looked up in what the peers reached share.
    assertThat(alone.exit()).as(alone.err()).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("alone.wav"))).isEqualTo(dance);
    Run nothing = run("stream", "Zz9Zz9", "-b", at, "-o", tmp.resolve("none.wav").toString());
    assertThat(nothing.exit()).isEqualTo(1);
    assertThat(nothing.err()).isEqualTo("loudp2p: no track shared by the 1 peer asked starts with"
        + " 'Zz9Zz9'; give search words with it, or the whole ID\n");
  }

  @Test
  void aMalformedTrackIdIsAUsageErrorThatSaysSoBeforeAnyNetworkWork() {
    String id = Cli.id(sharer, "lantern song");
    // A typo: one character changed for one outside Base58; and one character short.
    String typo = "0" + id.substring(1);
    String shortOne = id.substring(0, 40) + "!";

    Run r = run("stream", typo, "-b", "127.0.0.1:1", "-o", tmp.resolve("x.wav").toString());
    Run p = run("play", typo, "-b", "127.0.0.1:1");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("loudp2p: '" + typo + "' is not a valid track ID (")
        .hasLineCount(1);
    assertThat(p.exit()).isEqualTo(2);
    assertThat(p.err()).startsWith("loudp2p: '" + typo + "' is not a valid track ID (");
    assertThat(TrackRef.parse(List.of(shortOne)).words()).containsExactly(shortOne);
    assertThat(TrackRef.parse(List.of(id)).id()).hasToString(id);
  }

  @Test
  void aWholeDownloadLeavesNoPartialChunksAndStdoutKeepsNone() throws IOException {
    Path folder = Files.createDirectory(tmp.resolve("downloads"));
    String id = Cli.id(sharer, "lantern song");
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream piped = new java.io.ByteArrayOutputStream();

    Run toFile = run("stream", id, "-b", at, "-o", folder.resolve("song.wav").toString());
    Run toStdout;
    System.setOut(new java.io.PrintStream(piped, true));
    try {
      toStdout = run("stream", id, "-b", at, "-o", "-");
    } finally {
      System.setOut(stdout);
    }

    assertThat(toFile.exit()).as(toFile.err()).isZero();
    assertThat(toFile.out()).doesNotContain("resuming");
    try (java.util.stream.Stream<Path> files = Files.list(folder)) {
      assertThat(files).containsExactly(folder.resolve("song.wav"));
    }
    assertThat(toStdout.exit()).as(toStdout.err()).isZero();
    assertThat(piped.toByteArray()).isEqualTo(song);
    assertThat(Path.of(PartialCache.FOLDER)).doesNotExist();
  }

  @Test
  void aDownloadResumesFromTheChunksAnEarlierRunKeptAndFetchesOnlyTheOthers() throws Exception {
    Path folder = Files.createDirectory(tmp.resolve("downloads"));
    keep(folder, tmp.resolve("music").resolve("song.wav"), 2);

    Run r = run("stream", "lantern", "song", "-b", at, "-o", folder.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("resuming: 2 of 3 chunks already here\n");
    assertThat(r.out().lines().filter(l -> l.contains(" local ")))
        .singleElement().asString().contains(" 32.0 KiB ", " 2 ");
    assertThat(Files.readAllBytes(folder.resolve("The Quiet Ones - Lantern Song.wav")))
        .isEqualTo(song);
    try (java.util.stream.Stream<Path> files = Files.list(folder)) {
      assertThat(files).containsExactly(folder.resolve("The Quiet Ones - Lantern Song.wav"));
    }
  }

  @Test
  void aDownloadThatFailsSaysWhatItKeptAndThatTheSameCommandResumes() throws Exception {
    byte[] big = TestAudio.noiseWavOfBytes(4 << 20, 7);
    Peer bigSharer = Cli.sharer(tmp.resolve("big"), Map.of("big.wav", big));
    Path folder = Files.createDirectory(tmp.resolve("downloads"));
    String id = Cli.id(bigSharer, "big");
    Path journal = folder.resolve(PartialCache.FOLDER).resolve("chunks").resolve("tracks")
        .resolve(id).resolve("present.log");
    CompletableFuture<Run> running;
    try {
      running = CompletableFuture.supplyAsync(() -> run("stream", id, "-b", Cli.address(bigSharer),
          "-o", folder.resolve("big.wav").toString()));
      // The journal of the partial cache: a 4-byte record per chunk kept.
      io.loudp2p.core.testing.Await.until(() -> journal.toFile().length() >= 10 * 4,
          Duration.ofSeconds(30), "10 chunks kept");
    } finally {
      bigSharer.close();
    }
    Run r = running.get(50, TimeUnit.SECONDS);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("loudp2p: ").hasLineCount(1).endsWith("; " + journal.toFile()
        .length() / 4 + " of 257 chunks are kept: running the same command again resumes\n");
    assertThat(folder.resolve("big.wav")).doesNotExist();
    assertThat(folder.resolve(PartialCache.FOLDER)).isDirectory();
  }

  /**
   * Keeps the first {@code chunks} chunks of {@code file} in the partial cache of {@code folder},
   * as a run of {@code stream} killed there would have.
   *
   * @return the track's ID
   */
  private static io.loudp2p.TrackId keep(Path folder, Path file, int chunks) throws IOException {
    Manifest manifest = Manifest.ofFile(file, TrackMetadata.getDefaultInstance());
    byte[] bytes = Files.readAllBytes(file);
    try (ChunkCache cache = ChunkCache.open(folder.resolve(PartialCache.FOLDER).resolve("chunks"),
        PartialCache.MAX_BYTES)) {
      cache.put(manifest);
      for (int i = 0; i < chunks; i++) {
        int from = (int) manifest.chunkOffset(i);
        assertThat(cache.writeChunk(manifest.trackId(), i, bytes, from, manifest.chunkLength(i)))
            .isTrue();
      }
    }
    return manifest.trackId();
  }

  private static Run run(String... args) {
    return Cli.run(args);
  }
}
