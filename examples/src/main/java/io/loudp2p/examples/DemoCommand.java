package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.examples.audio.SynthesizedMusic;
import io.loudp2p.examples.gateway.Gateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code loudp2p demo}: a network of five peers on 127.0.0.1. Three full peers share synthesized
 * music, a fourth is the meeting point, and a light client (a phone, say) searches and plays a
 * track from the three sharers at once while one of them leaves halfway; then it prints what
 * happened.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Run a local demo network of five peers (ends by itself in under a minute).")
final class DemoCommand implements Callable<Integer> {
  /** The track the light client plays, and what it searches for. */
  static final String QUERY = "lamplighter";

  @Option(names = "--serve", description = "Keep the network running and serve the player page (until Ctrl-C).")
  boolean serve;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
      description = "The player page's port with --serve (default: a free one).")
  int port;

  @Option(names = "--speed", paramLabel = "N", defaultValue = "4",
      description = "Play N times faster than real time (default: ${DEFAULT-VALUE}).")
  double speed;

  @Spec CommandSpec spec;

  /** Counted down to stop a demo that serves; by Ctrl-C, or by a test. */
  final CountDownLatch stop = new CountDownLatch(1);
  /** Completed with the player's address once a serving demo printed it; tests wait on it. */
  final java.util.concurrent.CompletableFuture<java.net.URI> serving =
      new java.util.concurrent.CompletableFuture<>();

  private final List<Peer> peers = new ArrayList<>();
  /** Holds the player's port from the start until the gateway binds it; null when not serving or port 0. */
  private @Nullable ServerSocket reserved;
  /** The player's gateway with --serve, from when the phone runs; null until then. */
  private @Nullable Gateway gateway;
  private final Map<PeerId, String> names = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    if (!(speed >= 0.5 && speed <= 1000)) {
      throw new UserError(UserError.USAGE, "--speed must be between 0.5 and 1000, not " + speed);
    }
    if (port < 0 || port > 65535) {
      throw new UserError(UserError.USAGE, "--port must be between 0 and 65535, not " + port);
    }
    PrintWriter out = spec.commandLine().getOut();
    // The player's port is bound before the demo starts, so a busy one fails at once.
    reserved = serve && port != 0 ? reserve(playerAddress()) : null;
    Path home = Files.createTempDirectory("loudp2p-demo");
    try {
      return run(out, home);
    } finally {
      if (reserved != null) {
        reserved.close();
      }
      if (gateway != null) {
        gateway.close();
      }
      for (Peer p : peers) {
        p.close();
      }
      deleteTree(home);
    }
  }

  private int run(PrintWriter out, Path home) throws Exception {
    long t0 = System.nanoTime();
    out.println("loudp2p demo: five peers on 127.0.0.1");
    out.println();
    out.println("Writing " + SynthesizedMusic.demoTracks().size() + " synthesized, tagged tracks...");
    List<Path> sharedFolders = new ArrayList<>();
    for (String name : List.of("alpha", "bravo", "charlie")) {
      Path music = home.resolve(name).resolve("music");
      SynthesizedMusic.writeAll(music, SynthesizedMusic.demoTracks());
      sharedFolders.add(music);
    }

    Peer seed = start("seed", Peer.builder().identityFile(home.resolve("seed/identity")));
    InetSocketAddress meetingPoint = seed.listenAddresses().get(0);
    List<Peer> sharers = new ArrayList<>();
    String[] sharerNames = {"alpha", "bravo", "charlie"};
    for (int i = 0; i < sharerNames.length; i++) {
      sharers.add(start(sharerNames[i], Peer.builder()
          .identityFile(home.resolve(sharerNames[i] + "/identity"))
          .share(sharedFolders.get(i))
          .bootstrap(meetingPoint)));
    }
    Peer phone = start("phone", Peer.builder().role(Role.LIGHT)
        .identityFile(home.resolve("phone/identity"))
        .cache(home.resolve("phone/cache"), 64L << 20)
        .bootstrap(meetingPoint));
    if (serve) {
      // Served from the start, so its address is known while the demo runs.
      gateway = servePlayer(phone);
      out.println("player   " + gateway.url() + "   (serving now; the demo runs first)");
      out.flush();
    }

    // Each sharer hashes its folder in the background; the table counts what they indexed.
    for (int i = 0; i < sharers.size(); i++) {
      Await.result(sharers.get(i).catalog().ready(), Duration.ofSeconds(60),
          "indexing " + sharerNames[i] + "'s music", UserError.FAILURE);
    }
    List<List<String>> rows = new ArrayList<>();
    for (Peer p : peers) {
      rows.add(List.of(names.get(p.id()), p == phone ? "LIGHT" : "FULL", p.id().toString(),
          PeerOptions.HostPort.format(p.listenAddresses().get(0)),
          p == phone || p == seed ? "-" : String.valueOf(p.catalog().size())));
    }
    out.println();
    Text.table(out, List.of("PEER", "ROLE", "PEER ID (from its public key)", "ADDRESS", "TRACKS"),
        rows, Text.terminalWidth(System.getenv()), 2);
    out.println("phone knows " + Text.count(phone.peers().size(), "peer") + ", learned from seed alone.");

    out.println();
    out.println("phone (light) hands its search for '" + QUERY + "' to seed, which routes it on:");
    List<SearchHit> hits = Await.result(phone.search(QUERY, Duration.ofSeconds(2), h -> { }),
        Duration.ofSeconds(10), "the demo's search", UserError.FAILURE);
    if (hits.isEmpty()) {
      throw new UserError(UserError.FAILURE, "the demo's search found nothing; run with --verbose to see why");
    }
    hits = SearchResults.sorted(hits);
    SearchResults.table(out, hits, Text.terminalWidth(System.getenv()));
    SearchHit hit = hits.get(0);

    out.println();
    out.println(String.format(java.util.Locale.ROOT,
        "phone plays '%s' (%s, %s) from %s at %sx speed; bravo leaves when half is fetched.",
        hit.track().info().title(), Text.duration(hit.track().info().duration()),
        Text.bytes(hit.track().size()), Text.count(hit.sources().size(), "source"), trim(speed)));
    byte[] original = Files.readAllBytes(home.resolve("alpha/music")
        .resolve(SynthesizedMusic.demoTracks().stream()
            .filter(s -> s.title().equals(hit.track().info().title())).findFirst().orElseThrow()
            .fileName()));
    DemoEvents events = new DemoEvents(out, System.console() != null, names);
    Report.Clock clock = new Report.Clock();
    byte[] got;
    StreamSession session = Await.result(phone.stream(hit.track().id(), events), Duration.ofSeconds(15),
        "the demo's stream session", UserError.FAILURE);
    clock.watch(session);
    try (session) {
      Thread leaver = leaveWhenHalfFetched(session, () -> {
        events.line("bravo leaves the network (" + Text.bytes(session.stats().verifiedBytes())
            + " of " + Text.bytes(session.length()) + " fetched)");
        sharers.get(1).close();
      });
      got = play(session, events, original.length);
      clock.readerDone();
      leaver.join(5000);
      out.println();
      Report.session(out, session, clock, Report.Reader.PACED, names);
    }
    boolean identical = Arrays.equals(got, original);
    out.println((identical ? "identical" : "DIFFERENT") + " to the original: SHA-256 "
        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)).substring(0, 16)
        + "..., every chunk checked against the track ID " + hit.track().id().toString().substring(0, 12) + "...");
    if (!identical) {
      return 1;
    }

    if (!serve) {
      out.println();
      out.println(String.format(java.util.Locale.ROOT, "Done in %.1f s. Run 'demo --serve' to play the tracks in a browser.",
          (System.nanoTime() - t0) / 1e9));
      return 0;
    }
    out.println();
    out.println("The network keeps running. Open the player: " + gateway.url());
    out.println("(search for 'lanterns', 'okafor' or 'paper'; Ctrl-C stops)");
    out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "loudp2p-demo-stop"));
    serving.complete(gateway.url());
    stop.await();
    return 0;
  }

  /** Starts the player's gateway on the phone, on the port held since the start when one was given. */
  private Gateway servePlayer(Peer phone) throws IOException {
    if (reserved != null) {
      reserved.close();
    }
    try {
      return Gateway.start(phone, playerAddress());
    } catch (IOException e) {
      throw cannotListen(e);
    }
  }

  private InetSocketAddress playerAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  /** Binds {@code address} and holds it, or says in one line why it cannot. */
  private ServerSocket reserve(InetSocketAddress address) {
    ServerSocket s = null;
    try {
      s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(address, 1);
      return s;
    } catch (IOException e) {
      if (s != null) {
        try {
          s.close();
        } catch (IOException ignored) {
          // not bound
        }
      }
      throw cannotListen(e);
    }
  }

  private UserError cannotListen(IOException e) {
    String at = PeerOptions.HostPort.format(playerAddress());
    if (e instanceof BindException || String.valueOf(e.getMessage()).contains("in use")) {
      return new UserError(UserError.FAILURE, "cannot listen on " + at
          + ": the port is busy; choose another with --port PORT", e);
    }
    return new UserError(UserError.FAILURE, "cannot serve the player on " + at + ": " + Await.message(e), e);
  }

  private Peer start(String name, Peer.Builder builder) {
    Peer p = builder.build();
    peers.add(p);
    p.start();
    names.put(p.id(), name);
    return p;
  }

  /** Runs {@code leave} once the session has fetched and verified half of the track. */
  private static Thread leaveWhenHalfFetched(StreamSession session, Runnable leave) {
    Thread t = new Thread(() -> {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (session.stats().verifiedBytes() < session.length() / 2 && System.nanoTime() < deadline
          && !session.completion().isDone()) {
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
      leave.run();
    }, "loudp2p-demo-leaver");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Reads the track like a player at {@code speed} times its bitrate, drawing progress. */
  private byte[] play(StreamSession session, DemoEvents events, int expected) throws IOException {
    long length = session.length();
    double bytesPerSecond = SynthesizedMusic.SAMPLE_RATE * 2 * speed;
    byte[] got = new byte[(int) length];
    InputStream in = session.inputStream();
    // Playback time starts with the first sound, as a player's does: the wait for the first
    // bytes is the startup latency, not time the player must catch up on afterwards.
    long start = -1;
    int done = 0;
    long lastDraw = 0;
    while (done < length) {
      long due = start < 0 ? 0 : start + (long) (done / bytesPerSecond * 1e9);
      long wait = start < 0 ? 0 : due - System.nanoTime();
      if (wait > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
      int n = in.read(got, done, (int) Math.min(8192, length - done));
      if (n < 0) {
        break;
      }
      if (start < 0) {
        start = System.nanoTime();
      }
      done += n;
      long now = System.nanoTime();
      if (now - lastDraw > 100_000_000L) {
        events.progress(session, done);
        lastDraw = now;
      }
    }
    events.progress(session, done);
    events.endProgress();
    return done == expected ? got : Arrays.copyOf(got, done);
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> all = Files.walk(root)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort: a temporary folder
        }
      });
    } catch (IOException e) {
      // best effort
    }
  }
}
