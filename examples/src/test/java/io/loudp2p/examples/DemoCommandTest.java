package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo network runs to its end by itself and reports what happened. */
class DemoCommandTest {
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void theDemoSearchesFromTheLightClientStreamsFromThreeSourcesLosesOneAndEndsByItself() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int exit = Main.run(new String[] {"demo", "--speed", "40"}, new PrintWriter(out, true),
        new PrintWriter(err, true));

    String o = out.toString();
    assertThat(exit).as(o + err).isZero();
    assertThat(o).contains("seed", "alpha", "bravo", "charlie", "phone", "LIGHT");
    assertThat(o).containsPattern("(?m)^\\S+ +Lamplighter +Mira Okafor +Night Transit +0:36 +wav +3 ")
        .contains("from 3 sources");
    assertThat(o).contains("source alpha added", "source bravo added", "source charlie added");
    assertThat(o).contains("bravo leaves the network", "source bravo dropped");
    assertThat(o).containsPattern("(?m)^bravo +(grpc|udp) .* dropped$");
    assertThat(o).contains("time to first byte", "identical to the original", "Done in");
    // The fetch throughput, over the time to fetch the track, beside the paced playing time.
    assertThat(o).containsPattern("(?m)^fetched   1\\.5 MiB in [0-9.]+ s = \\S+ [KM]iB/s \\(")
        .containsPattern("(?m)^playback  [0-9.]+ s, stalls \\d+ ");
    assertThat(o).doesNotContain("Exception");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void withServeTheNetworkKeepsRunningBehindThePlayerPage() throws Exception {
    DemoCommand demo = new DemoCommand();
    StringWriter out = new StringWriter();
    picocli.CommandLine cli = new picocli.CommandLine(demo);
    cli.setOut(new PrintWriter(out, true));
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    // A port given: held from the start, then handed to the gateway.
    java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> cli.execute("--serve", "--port", String.valueOf(port), "--speed", "40"));
    // Ready once the demo serves, or done early when it failed.
    java.util.concurrent.CompletableFuture.anyOf(demo.serving, exit).get(45, TimeUnit.SECONDS);
    assertThat(demo.serving).as(out.toString()).isDone();
    String url = demo.serving.get().toString();
    assertThat(url).isEqualTo("http://127.0.0.1:" + port + "/");
    assertThat(out.toString()).contains("Open the player: " + url);
    // Said at the start, before the demo's search.
    assertThat(out.toString().indexOf("player   " + url + "   (serving now"))
        .isNotNegative().isLessThan(out.toString().indexOf("hands its search"));

    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<String> page = http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    java.net.http.HttpResponse<String> search = http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "search?q=okafor")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    demo.stop.countDown();

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<audio");
    assertThat(search.statusCode()).isEqualTo(200);
    assertThat(search.body()).contains("Cobalt Stairs", "Lamplighter");
    assertThat(exit.get(20, TimeUnit.SECONDS)).isZero();
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void servingOnABusyPortFailsAtOnceInOneLineBeforeTheDemoRuns() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();

      int exit = Main.run(new String[] {"demo", "--serve", "--port", String.valueOf(busy.getLocalPort())},
          new PrintWriter(out, true), new PrintWriter(err, true));

      assertThat(exit).isEqualTo(1);
      assertThat(err.toString()).isEqualTo("loudp2p: cannot listen on 127.0.0.1:" + busy.getLocalPort()
          + ": the port is busy; choose another with --port PORT\n");
      assertThat(out.toString()).isEmpty();
    }
    StringWriter err = new StringWriter();
    assertThat(Main.run(new String[] {"demo", "--serve", "--port", "65536"},
        new PrintWriter(new StringWriter()), new PrintWriter(err, true))).isEqualTo(UserError.USAGE);
    assertThat(err.toString()).isEqualTo("loudp2p: --port must be between 0 and 65535, not 65536\n");
  }

  @Test
  void aSpeedOutOfRangeIsOneLineAndTheUsageExitCode() {
    StringWriter err = new StringWriter();
    int exit = Main.run(new String[] {"demo", "--speed", "0"}, new PrintWriter(new StringWriter()),
        new PrintWriter(err, true));
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("loudp2p: --speed must be between 0.5 and 1000, not 0.0");
  }
}
