package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.examples.Cli.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stream} against a real peer sharing two tracks that one word finds: how it takes track
 * IDs and their starts.
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
  void theStartOfATrackIdThatSearchPrintedChoosesAmongTheHitsOfTheWords() throws IOException {
    String dancesId = Cli.id(sharer, "lantern dance");
    String prefix = dancesId.substring(0, SearchResults.SHORT_ID);
    Path out = tmp.resolve("chosen.wav");

    Run chosen = run("stream", "lantern", prefix, "-b", at, "-o", out.toString());
    Run alone = run("stream", prefix, "-b", at, "-o", tmp.resolve("alone.wav").toString());

    assertThat(chosen.exit()).as(chosen.err()).isZero();
    assertThat(Files.readAllBytes(out)).isEqualTo(dance);
    assertThat(chosen.err()).doesNotContain("picked");
    assertThat(alone.exit()).isEqualTo(1);
    assertThat(alone.err()).isEqualTo("loudp2p: no results for '" + prefix + "'; the start of a"
        + " track ID is taken with the search words that found it: WORDS... " + prefix + "\n");
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
