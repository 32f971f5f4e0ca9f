package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line against a real peer on 127.0.0.1: output, files and exit codes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandLineTest {
  @TempDir Path tmp;
  private Peer sharer;
  private String at;
  private byte[] track;

  /** Output of one run. */
  record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(exit, out.toString(), err.toString());
  }

  /** A 16-bit mono WAV with a LIST/INFO title and artist, of seeded noise. */
  static byte[] wav(String title, String artist, int seconds) {
    int rate = 8000;
    int data = seconds * rate * 2;
    byte[] inam = (title + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] iart = (artist + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int list = 4 + 8 + even(inam.length) + 8 + even(iart.length);
    ByteBuffer b = ByteBuffer.allocate(44 + 8 + list + data).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + 8 + list + data).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate)
        .putInt(rate * 2).putShort((short) 2).putShort((short) 16);
    b.put("LIST".getBytes()).putInt(list).put("INFO".getBytes());
    b.put("INAM".getBytes()).putInt(inam.length).put(inam);
    if (inam.length % 2 == 1) {
      b.put((byte) 0);
    }
    b.put("IART".getBytes()).putInt(iart.length).put(iart);
    if (iart.length % 2 == 1) {
      b.put((byte) 0);
    }
    b.put("data".getBytes()).putInt(data);
    byte[] noise = new byte[data];
    new SplittableRandom(seconds).nextBytes(noise);
    b.put(noise);
    return b.array();
  }

  private static int even(int n) {
    return n + (n & 1);
  }

  @BeforeEach
  void startSharer() throws IOException {
    Path music = Files.createDirectories(tmp.resolve("music"));
    track = wav("Lantern Song", "The Quiet Ones", 6);
    Files.write(music.resolve("lantern.wav"), track);
    sharer = Peer.builder().share(music).build().start();
    sharer.catalog().ready().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
    at = PeerOptions.HostPort.format(sharer.listenAddresses().get(0));
  }

  @AfterEach
  void stopSharer() {
    sharer.close();
  }

  @Test
  void searchPrintsATableOfTitleArtistAlbumDurationSourcesAndTrackId() {
    Run r = run("search", "lantern", "--bootstrap", at);

    assertThat(r.exit()).as(r.err()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0]).startsWith("#").contains("TITLE", "ARTIST", "ALBUM", "TIME", "CODEC",
        "SOURCES", "TRACK");
    assertThat(lines[1]).contains("Lantern Song", "The Quiet Ones", "0:06", "wav",
        sharer.catalog().search("lantern", 1).get(0).track().id().toString().substring(0, 12));
    assertThat(r.err()).isEmpty();
  }

  @Test
  void streamWritesTheTrackByteForByteAndReportsTheSession() throws IOException {
    Path out = tmp.resolve("copy.wav");
    String id = sharer.catalog().search("lantern", 1).get(0).track().id().toString();

    Run r = run("stream", id, "--bootstrap", at, "-o", out.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Files.readAllBytes(out)).isEqualTo(track);
    assertThat(r.out()).contains("wrote " + out, "SOURCE", "time to first byte", "waited for data ");
    // A download reads as fast as the bytes come: its waits are not playback stalls.
    assertThat(r.out()).containsPattern("fetched   \\S+ KiB in [0-9.]+ s = \\S+ [KM]iB/s")
        .doesNotContain("stall");
    assertThat(r.err()).contains("100%");
  }

  @Test
  void streamBySearchWordsPicksTheBestHit() throws IOException {
    Path out = tmp.resolve("by-words.wav");
    Run r = run("stream", "quiet", "ones", "-b", at, "--output", out.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Files.readAllBytes(out)).isEqualTo(track);
  }

  @Test
  void streamIntoAFolderNamesTheFileAfterArtistAndTitleWithTheExtensionOfItsContainer()
      throws IOException {
    Path byIdFolder = Files.createDirectory(tmp.resolve("by-id"));
    Path byWordsFolder = Files.createDirectory(tmp.resolve("by-words"));
    String id = sharer.catalog().search("lantern", 1).get(0).track().id().toString();

    // By ID alone the name comes from the tags of what arrived.
    Run byId = run("stream", id, "-b", at, "-o", byIdFolder.toString());
    Run byWords = run("stream", "lantern", "-b", at, "-o", byWordsFolder.toString());

    assertThat(byId.exit()).as(byId.err()).isZero();
    assertThat(Files.readAllBytes(byIdFolder.resolve("The Quiet Ones - Lantern Song.wav"))).isEqualTo(track);
    assertThat(byWords.exit()).as(byWords.err()).isZero();
    assertThat(Files.readAllBytes(byWordsFolder.resolve("The Quiet Ones - Lantern Song.wav"))).isEqualTo(track);
    for (Path folder : List.of(byIdFolder, byWordsFolder)) {
      try (java.util.stream.Stream<Path> files = Files.list(folder)) {
        assertThat(files).hasSize(1);
      }
    }
  }

  @Test
  void shareRunsAFullPeerUnderItsIdentityThatOthersSearchUntilStopped() throws Exception {
    Path identity = tmp.resolve("share-identity");
    String id = run("identity", "--identity", identity.toString()).out().strip();
    ShareCommand share = new ShareCommand();
    StringWriter out = new StringWriter();
    picocli.CommandLine cli = new picocli.CommandLine(share);
    cli.setOut(new PrintWriter(out, true));
    java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> cli.execute(tmp.resolve("music").toString(), "--identity", identity.toString()));
    java.util.concurrent.CompletableFuture.anyOf(share.ready, exit).get(20, TimeUnit.SECONDS);
    Peer running = share.ready.getNow(null);
    assertThat(running).as(out.toString()).isNotNull();
    String address = PeerOptions.HostPort.format(running.listenAddresses().get(0));

    Run found = run("search", "lantern", "-b", address);
    // With the ID the share command printed, the peer there is the one expected; with another
    // peer's ID it is refused, and the command says no bootstrap peer answered.
    Run foundById = run("search", "lantern", "-b", id + "@" + address);
    String otherId = io.loudp2p.core.identity.Identity.generate().peerId().toString();
    Run refused = run("search", "lantern", "-b", otherId + "@" + address);
    Run badId = run("search", "lantern", "-b", "not-an-id@" + address);
    share.stop.countDown();

    assertThat(foundById.exit()).as(foundById.err()).isZero();
    assertThat(foundById.out()).contains("Lantern Song");
    assertThat(refused.exit()).isEqualTo(UserError.FAILURE);
    assertThat(refused.err()).contains("no bootstrap peer answered (" + otherId + "@" + address);
    assertThat(badId.exit()).isNotZero();
    assertThat(badId.err()).contains("'not-an-id' is not a peer ID");

    assertThat(out.toString()).contains("peer     " + id, "shares   1 track from 1 folder",
        "others join with: --bootstrap " + id + "@" + address);
    assertThat(found.exit()).as(found.err()).isZero();
    assertThat(found.out()).contains("Lantern Song");
    assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void playServesTheTrackOverLocalHttpWithRangesUntilStopped() throws Exception {
    PlayCommand play = new PlayCommand();
    StringWriter out = new StringWriter();
    picocli.CommandLine cli = new picocli.CommandLine(play);
    cli.setOut(new PrintWriter(out, true));
    java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> cli.execute("lantern", "song", "-b", at));
    assertThat(play.ready.await(20, TimeUnit.SECONDS)).as(out.toString()).isTrue();
    String url = out.toString().lines().filter(l -> l.startsWith("track"))
        .findFirst().orElseThrow().substring("track".length()).strip();

    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<byte[]> whole = http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    java.net.http.HttpResponse<byte[]> part = http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Range", "bytes=1000-1999")
            .build(),
        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    play.stop.countDown();

    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(whole.headers().firstValue("Content-Type")).hasValue("audio/wav");
    assertThat(whole.body()).isEqualTo(track);
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(track, 1000, 2000));
    assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(out.toString()).contains("playing  Lantern Song — The Quiet Ones", "player   http://127.0.0.1:");
  }

  @Test
  void playOpensItsPageInTheBrowserAndTheTrackInAPlayerAndStopsWhenThePlayerQuits() throws Exception {
    PlayCommand play = new PlayCommand();
    List<List<String>> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CompletableFuture<Integer> mpvQuits = new java.util.concurrent.CompletableFuture<>();
    play.launcher = new Launcher((command, quiet) -> {
      started.add(command);
      return command.get(0).equals("mpv") ? mpvQuits : new java.util.concurrent.CompletableFuture<>();
    }, uri -> false, "Linux");
    StringWriter out = new StringWriter();
    picocli.CommandLine cli = new picocli.CommandLine(play);
    cli.setOut(new PrintWriter(out, true));
    java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> cli.execute("lantern", "song", "-b", at, "--open", "--mpv"));
    assertThat(play.ready.await(20, TimeUnit.SECONDS)).as(out.toString()).isTrue();
    String page = line(out, "player").split(" ")[0];
    String track = line(out, "track");

    assertThat(page).matches("http://127\\.0\\.0\\.1:\\d+/\\?track=[1-9A-HJ-NP-Za-km-z]+");
    assertThat(track).isEqualTo(page.replace("/?track=", "/tracks/"));
    assertThat(started).containsExactly(List.of("xdg-open", page), List.of("mpv", track));
    assertThat(out.toString()).contains("opening  " + page + " with xdg-open", "started  mpv");
    assertThat(exit).isNotDone();

    mpvQuits.complete(0);

    assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(out.toString()).contains("the player quit; stopping");
  }

  @Test
  void playWithAPlayerThatIsNotInstalledSaysSoInOneLine() {
    PlayCommand play = new PlayCommand();
    play.launcher = new Launcher((command, quiet) -> {
      throw new IOException("Cannot run program \"vlc\": error=2, No such file or directory");
    }, uri -> false, "Linux");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    // The command alone, with the command line's handling of errors.
    picocli.CommandLine cli = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
    picocli.CommandLine own = new picocli.CommandLine(play);
    own.setOut(new PrintWriter(out, true));
    own.setErr(new PrintWriter(err, true));
    own.setExecutionExceptionHandler(cli.getExecutionExceptionHandler());

    int exit = own.execute("lantern", "song", "-b", at, "--vlc");

    assertThat(exit).isEqualTo(UserError.FAILURE);
    assertThat(err.toString().strip()).startsWith("loudp2p: cannot start vlc: it is not installed")
        .doesNotContain("\n");
  }

  @Test
  void playsHelpListsTheWaysToOpenWhatItServes() {
    Run help = run("play", "--help");

    assertThat(help.out()).contains("--open", "system's browser", "--mpv", "--vlc");
  }

  private static String line(StringWriter out, String label) {
    return out.toString().lines().filter(l -> l.startsWith(label + " ")).findFirst().orElseThrow()
        .substring(label.length()).strip();
  }

  @Test
  void playByTrackIdAloneServesTheTypeTheTracksFirstBytesName() throws Exception {
    String id = sharer.catalog().search("lantern", 1).get(0).track().id().toString();
    PlayCommand play = new PlayCommand();
    StringWriter out = new StringWriter();
    picocli.CommandLine cli = new picocli.CommandLine(play);
    cli.setOut(new PrintWriter(out, true));
    java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> cli.execute(id, "-b", at));
    java.util.concurrent.CompletableFuture.anyOf(
        java.util.concurrent.CompletableFuture.runAsync(() -> {
          try {
            play.ready.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }), exit).get(20, TimeUnit.SECONDS);
    assertThat(play.ready.getCount()).as(out.toString()).isZero();
    String url = out.toString().lines().filter(l -> l.startsWith("track"))
        .findFirst().orElseThrow().substring("track".length()).strip();

    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<byte[]> head = http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
            .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    java.net.http.HttpResponse<byte[]> whole = http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    play.stop.countDown();

    assertThat(head.headers().firstValue("Content-Type")).hasValue("audio/wav");
    assertThat(whole.headers().firstValue("Content-Type")).hasValue("audio/wav");
    assertThat(whole.body()).isEqualTo(track);
    assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(out.toString()).contains("playing  track " + id + " (audio/wav, " + Text.bytes(track.length) + ")");
  }

  @Test
  void errorsAPersonCanActOnAreOneLineWithANonZeroExitCode() throws IOException {
    Run noResults = run("search", "nothing-like-this", "-b", at);
    assertThat(noResults.exit()).isEqualTo(UserError.FAILURE);
    assertThat(noResults.err().strip()).isEqualTo("loudp2p: no results for 'nothing-like-this'");

    String unknown = io.loudp2p.TrackId.fromBytes(new byte[io.loudp2p.TrackId.LENGTH]).toString();
    Run unknownTrack = run("stream", unknown, "-b", at,
        "-o", tmp.resolve("x").toString());
    assertThat(unknownTrack.exit()).isEqualTo(UserError.FAILURE);
    assertThat(unknownTrack.err().strip()).startsWith("loudp2p: cannot stream").doesNotContain("\n");
    assertThat(tmp.resolve("x")).doesNotExist();
    Run unknownPlay = run("play", unknown, "-b", at);
    assertThat(unknownPlay.exit()).isEqualTo(UserError.FAILURE);
    assertThat(unknownPlay.err().strip()).startsWith("loudp2p: cannot play " + unknown + ": ")
        .doesNotContain("\n");

    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Run unreachable = run("search", "x", "-b", "127.0.0.1:" + closedPort);
    assertThat(unreachable.exit()).isEqualTo(UserError.FAILURE);
    assertThat(unreachable.err().strip())
        .isEqualTo("loudp2p: no bootstrap peer answered (127.0.0.1:" + closedPort
            + "); check the address and that a peer runs there ('loudp2p share')");

    InetSocketAddress busy = sharer.listenAddresses().get(0);
    Run busyPort = run("search", "x", "-b", at, "--listen", PeerOptions.HostPort.format(busy));
    assertThat(busyPort.exit()).isEqualTo(UserError.FAILURE);
    assertThat(busyPort.err().strip()).isEqualTo("loudp2p: cannot listen on "
        + PeerOptions.HostPort.format(busy) + ": the port is busy; choose another with --listen HOST:PORT");

    Run noFolder = run("share", tmp.resolve("missing").toString());
    assertThat(noFolder.exit()).isEqualTo(UserError.FAILURE);
    assertThat(noFolder.err().strip()).isEqualTo("loudp2p: not a folder: " + tmp.resolve("missing"));
  }

  @Test
  void streamChecksWhereItWritesBeforeAnyNetworkWork() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    // No peer answers at this address: an error about it would mean the network came first.
    String nobody = "127.0.0.1:" + closedPort;
    String id = io.loudp2p.TrackId.fromBytes(new byte[io.loudp2p.TrackId.LENGTH]).toString();

    Path missing = tmp.resolve("missing").resolve("x.wav");
    Run noFolder = run("stream", id, "-b", nobody, "-o", missing.toString());
    assertThat(noFolder.exit()).isEqualTo(UserError.FAILURE);
    assertThat(noFolder.err().strip()).isEqualTo("loudp2p: cannot write " + missing
        + ": no such folder " + missing.getParent());

    Path file = Files.write(tmp.resolve("a-file"), new byte[] {1});
    Run notAFolder = run("stream", id, "-b", nobody, "-o", file.resolve("x.wav").toString());
    assertThat(notAFolder.exit()).isEqualTo(UserError.FAILURE);
    assertThat(notAFolder.err().strip()).isEqualTo("loudp2p: cannot write " + file.resolve("x.wav")
        + ": " + file + " is not a folder");

    Run slash = run("stream", id, "-b", nobody, "-o", tmp.resolve("nothing") + "/");
    assertThat(slash.err().strip()).isEqualTo("loudp2p: cannot write " + tmp.resolve("nothing")
        + "/: no such folder " + tmp.resolve("nothing"));
    assertThat(tmp.resolve("nothing")).doesNotExist();
  }

  @Test
  void streamRefusesAFolderItCannotWriteIn() throws IOException {
    Path locked = Files.createDirectory(tmp.resolve("locked"));
    Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(locked),
          "this user writes even in a read-only folder (root)");
      Path target = locked.resolve("x.wav");
      Run r = run("stream", "anything", "-b", "127.0.0.1:1", "-o", target.toString());
      assertThat(r.exit()).isEqualTo(UserError.FAILURE);
      assertThat(r.err().strip()).isEqualTo("loudp2p: cannot write " + target + ": the folder "
          + locked + " is not writable");
    } finally {
      Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void everyCommandExplainsItselfWithHelpDashHAndTheHelpCommand() {
    for (String command : List.of("identity", "share", "search", "stream", "play", "demo")) {
      Run help = run(command, "--help");
      assertThat(help.exit()).as(command).isZero();
      assertThat(help.err()).as(command).isEmpty();
      assertThat(help.out()).as(command).startsWith("Usage: loudp2p " + command)
          .contains("-h, --help", "-V, --version");
      assertThat(run(command, "-h")).as(command).isEqualTo(help);
      assertThat(run("help", command)).as(command).isEqualTo(help);
      // Help wins over what is missing or wrong on the same line.
      assertThat(run(command, "--nope", "--help").exit()).as(command).isZero();
      Run version = run(command, "--version");
      assertThat(version.out().strip()).as(command).isEqualTo(Main.VERSION);
    }
    Run top = run("help");
    assertThat(top.exit()).isZero();
    assertThat(top.out()).startsWith("Usage: loudp2p").contains("share", "stream", "help");
    Run unknown = run("help", "nosuch");
    assertThat(unknown.exit()).isNotZero();
    assertThat(unknown.err()).contains("nosuch");
  }

  @Test
  void aCommandLineThatDoesNotParseIsOneLineThatPointsToHelp() {
    Run unknownHost = run("search", "x", "-b", "nosuchhost.invalid:7700");
    assertThat(unknownHost.exit()).isEqualTo(UserError.USAGE);
    assertThat(unknownHost.err()).isEqualTo("loudp2p: Invalid value for option '--bootstrap' ([PEERID@]HOST:PORT): unknown host"
        + " 'nosuchhost.invalid'; see 'loudp2p search --help'\n");
    assertThat(unknownHost.out()).isEmpty();

    Run unknownOption = run("stream", "x", "--nope");
    assertThat(unknownOption.exit()).isEqualTo(UserError.USAGE);
    assertThat(unknownOption.err()).startsWith("loudp2p: Unknown option: '--nope'")
        .endsWith("; see 'loudp2p stream --help'\n").hasLineCount(1);

    Run noCommand = run();
    assertThat(noCommand.exit()).isEqualTo(UserError.USAGE);
    assertThat(noCommand.err()).isEqualTo("loudp2p: name a command, e.g. 'demo'; see 'loudp2p --help'\n");

    Run badNumber = run("demo", "--speed", "fast");
    assertThat(badNumber.err()).hasLineCount(1).contains("'fast'", "see 'loudp2p demo --help'");
  }

  @Test
  void verboseShowsTheStackTrace() {
    Run r = run("search", "nothing-like-this", "-b", at, "--verbose");
    assertThat(r.exit()).isEqualTo(UserError.FAILURE);
    assertThat(r.err()).contains("UserError", "\tat ");
  }
}
