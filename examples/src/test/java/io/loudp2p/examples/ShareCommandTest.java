package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.core.testing.Await;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code share} tells a person while it runs: each file it skipped and why, files added while
 * it runs, and a second peer started with the same identity.
 */
@Timeout(60)
class ShareCommandTest {
  @TempDir Path tmp;

  /** A running {@code share} and what it printed so far. */
  private record Running(ShareCommand command, StringWriter out, CompletableFuture<Integer> exit,
      Peer peer) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      command.stop.countDown();
      assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    }
  }

  private static Running share(String... args) throws Exception {
    ShareCommand share = new ShareCommand();
    StringWriter out = new StringWriter();
    picocli.CommandLine cli = new picocli.CommandLine(share);
    cli.setOut(new PrintWriter(out, true));
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.execute(args));
    CompletableFuture.anyOf(share.ready, exit).get(30, TimeUnit.SECONDS);
    assertThat(share.ready).as("%s", out).isDone();
    return new Running(share, out, exit, share.ready.join());
  }

  @Test
  void eachSkippedFileGetsALineWithItsReasonAndFilesAddedLaterAreShared() throws Exception {
    Path music = Files.createDirectories(tmp.resolve("music"));
    Files.write(music.resolve("song.wav"), CommandLineTest.wav("First Light", "Someone", 2));
    Files.write(music.resolve("empty.mp3"), new byte[0]);
    Files.writeString(music.resolve("notes.mp3"), "not audio at all, just words\n".repeat(20));
    byte[] headerOnly = new byte[44];
    System.arraycopy(CommandLineTest.wav("x", "y", 1), 0, headerOnly, 0, 44);
    Files.write(music.resolve("header.wav"), headerOnly);

    try (Running r = share(music.toString(), "--identity", tmp.resolve("id").toString(),
        "--listen", "127.0.0.1:0", "--rescan", "1")) {
      String said = r.out().toString();
      for (String name : new String[] {"empty.mp3", "notes.mp3", "header.wav"}) {
        assertThat(said).containsPattern("(?m)^skipped  .*" + name + ": .+$");
      }
      assertThat(said).doesNotContain("song.wav").contains("shares   1 track from 1 folder; 3 files skipped");

      Files.write(music.resolve("later.wav"), CommandLineTest.wav("Second Wind", "Someone", 2));
      Await.until(() -> r.out().toString().contains("rescan   1 added"), Duration.ofSeconds(15),
          "the share picked up the file added");
      assertThat(r.peer().catalog().search("second wind", 5)).hasSize(1);
      // Skipped files are named once, not at every rescan.
      Files.write(music.resolve("later2.wav"), CommandLineTest.wav("Third", "Someone", 1));
      Await.until(() -> r.out().toString().contains("shares 3 tracks"), Duration.ofSeconds(15),
          "a second rescan");
      assertThat(r.out().toString().split("empty.mp3", -1)).hasSize(2);
    }
  }

  @Test
  void withWebItServesBrowsersAndSaysWhere() throws Exception {
    Path music = Files.createDirectories(tmp.resolve("web"));
    Files.write(music.resolve("song.wav"), CommandLineTest.wav("Web Song", "Someone", 1));
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    try (Running r = share(music.toString(), "--identity", tmp.resolve("id").toString(),
        "--listen", "127.0.0.1:0", "--web", "127.0.0.1:" + port)) {
      assertThat(r.out().toString()).contains("web      http://127.0.0.1:" + port + "/ (the page, and gRPC-Web)");
      java.net.http.HttpResponse<Void> preflight = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              "http://127.0.0.1:" + port + "/loudp2p.v1.Loudp2p/Search"))
              .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
              .header("Origin", "http://localhost:8000").build(),
          java.net.http.HttpResponse.BodyHandlers.discarding());
      assertThat(preflight.statusCode()).isEqualTo(204);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
          .hasValue("http://localhost:8000");
    }
  }

  @Test
  void theRelaysLineNamesTheRelaysHeldAndTheRefusalsElseNothing() {
    io.loudp2p.NetworkStatus open = io.loudp2p.NetworkStatus.unknown(null,
        io.loudp2p.NetworkStatus.Dialable.UNKNOWN);
    assertThat(ShareCommand.relays(open)).isEmpty();
    io.loudp2p.PeerId r1 = io.loudp2p.core.identity.Identity.generate().peerId();
    io.loudp2p.PeerId r2 = io.loudp2p.core.identity.Identity.generate().peerId();
    java.net.InetSocketAddress at = new java.net.InetSocketAddress("10.0.0.1", 7070);
    String refused = "relay " + r2 + " refused a reservation: RESOURCE_EXHAUSTED: this relay"
        + " holds 1 reservations, its most; try another relay";
    assertThat(ShareCommand.relays(open.withRelays(java.util.List.of(
        new io.loudp2p.NetworkStatus.Relay(r1, at, java.time.Instant.EPOCH),
        new io.loudp2p.NetworkStatus.Relay(r2, at, java.time.Instant.EPOCH)),
        java.util.List.of())))
        .isEqualTo("relays   reached through " + r1 + " at 10.0.0.1:7070, " + r2
            + " at 10.0.0.1:7070");
    assertThat(ShareCommand.relays(open.withRelays(java.util.List.of(
        new io.loudp2p.NetworkStatus.Relay(r1, at, java.time.Instant.EPOCH)),
        java.util.List.of(refused))))
        .isEqualTo("relays   reached through " + r1 + " at 10.0.0.1:7070 | " + refused);
    assertThat(ShareCommand.relays(open.withRelays(java.util.List.of(),
        java.util.List.of(refused, "relay " + r1 + " ended the reservation: it left"))))
        .isEqualTo("relays   none | " + refused + " | relay " + r1 + " ended the reservation: it left");
  }

  @Test
  void theStatusLineSaysWhatThePeerRelayedOnceItRelayedAnything() {
    java.util.Map<String, Long> none = java.util.Map.of();
    io.loudp2p.PeerMetrics quiet = new io.loudp2p.PeerMetrics(3, 1, 0, 0, none, none, 2, 0, none,
        none, java.util.Map.of("reservations", 0L, "connections", 0L, "bytes", 0L, "refused", 0L));
    assertThat(ShareCommand.status(quiet)).isEqualTo(
        "status   3 peers, 2 searches answered, 1 session served (0 now), 0 B sent");
    io.loudp2p.PeerMetrics relaying = new io.loudp2p.PeerMetrics(3, 1, 0, 0, none, none, 2, 0,
        none, none, java.util.Map.of("reservations", 1L, "connections", 4L, "bytes", 2048L,
            "refused", 0L));
    assertThat(ShareCommand.status(relaying)).endsWith(
        " sent, relays for 1 peer (4 connections, 2.0 KiB)");
  }

  @Test
  void aSecondPeerWithTheSameIdentityIsWarnedAbout() throws Exception {
    Path music = Files.createDirectories(tmp.resolve("m"));
    String identity = tmp.resolve("id").toString();
    try (Running first = share(music.toString(), "--identity", identity, "--listen",
        "127.0.0.1:0", "--rescan", "0")) {
      assertThat(first.out().toString()).doesNotContain("warning");
      try (Running second = share(music.toString(), "--identity", identity, "--listen",
          "127.0.0.1:0", "--rescan", "0")) {
        assertThat(second.out().toString()).contains("warning  another process already runs"
            + " with the identity " + identity);
        assertThat(second.peer().id()).isEqualTo(first.peer().id());
      }
    }
    // Once both stopped, the identity is free again.
    try (Running again = share(music.toString(), "--identity", identity, "--listen",
        "127.0.0.1:0", "--rescan", "0")) {
      assertThat(again.out().toString()).doesNotContain("warning");
    }
  }

  @Test
  void aStatusLineSaysWhatThePeerServedWhenItChanged() throws Exception {
    Path music = Files.createDirectories(tmp.resolve("music"));
    byte[] track = CommandLineTest.wav("Status Song", "Someone", 2);
    Files.write(music.resolve("status.wav"), track);
    try (Running r = share(music.toString(), "--identity", tmp.resolve("id").toString(),
        "--listen", "127.0.0.1:0", "--rescan", "0", "--status", "1");
        Peer listener = Peer.builder().listen(new java.net.InetSocketAddress("127.0.0.1", 0))
            .bootstrap(r.peer().listenAddresses().get(0)).build().start()) {
      io.loudp2p.SearchHit hit = listener.search("status song", Duration.ofSeconds(2), h -> { })
          .get(10, TimeUnit.SECONDS).get(0);
      try (io.loudp2p.StreamSession s = listener.stream(hit.track().id())
          .get(10, TimeUnit.SECONDS)) {
        assertThat(s.inputStream().readAllBytes()).isEqualTo(track);
      }
      // A line may come while the session runs ("(1 now)"); the one after it says it ended.
      Await.until(() -> r.out().toString().lines().anyMatch(
              l -> l.startsWith("status   1 peer, 1 search answered, 1 session served (0 now)")),
          Duration.ofSeconds(15), "a status line after the stream");
      // Once nothing changes, no new line: two more periods pass without one. (On a busy machine
      // the session's last bytes may be counted in one more line after it ended: the check starts
      // over after such a line, at most three times.)
      long lines = statusLines(r);
      long seen = -1;
      for (int round = 0; round < 3 && seen != lines; round++) {
        seen = lines;
        long before = System.nanoTime();
        Await.until(() -> System.nanoTime() - before > 2_500_000_000L, Duration.ofSeconds(5),
            "two more status periods");
        lines = statusLines(r);
      }
      assertThat(lines).as(r.out().toString()).isEqualTo(seen);
    }
  }

  private static long statusLines(Running r) {
    return r.out().toString().lines().filter(l -> l.startsWith("status")).count();
  }
}
