package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.examples.Cli.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * replaces and writes files, and how it takes track IDs and their starts.
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

  private static Run run(String... args) {
    return Cli.run(args);
  }
}
