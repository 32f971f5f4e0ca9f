package io.loudp2p.examples;

import io.loudp2p.NetworkStatus;
import io.loudp2p.Peer;
import io.loudp2p.PeerMetrics;
import io.loudp2p.ScanReport;
import io.loudp2p.Role;
import io.loudp2p.core.internal.LocalAddresses;
import io.loudp2p.transport.grpc.GrpcTransportOptions;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code loudp2p share DIR...}: runs a full peer that shares folders of music until stopped. */
@Command(name = "share", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Run a full peer sharing folders of music (until Ctrl-C); its identity is"
    + " ~/.loudp2p/identity unless --identity names another.")
final class ShareCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "DIR", description = "Folders of music to share.")
  List<Path> folders;

  @Option(names = "--rescan", paramLabel = "SECONDS", defaultValue = "10",
      description = "Look for new, changed and removed files every SECONDS (default: ${DEFAULT-VALUE}; 0: never).")
  int rescanSeconds;

  @Option(names = "--web", paramLabel = "HOST:PORT", converter = PeerOptions.HostPort.class,
      description = "Also serve browsers at HOST:PORT: the page of the browser light client, and"
          + " the control messages and chunk batches it calls over gRPC-Web (HTTP/1.1 with CORS).")
  @Nullable InetSocketAddress web;

  @Option(names = "--status", paramLabel = "SECONDS", defaultValue = "10",
      description = "Print what the peer did (peers, searches answered, sessions and bytes served)"
          + " every SECONDS when it changed (default: ${DEFAULT-VALUE}; 0: never).")
  int statusSeconds;

  @Option(names = "--relay-reservations", paramLabel = "N", defaultValue = "128",
      description = "Relay for at most N peers behind NATs at once, so that others can call them"
          + " through this peer (default: ${DEFAULT-VALUE}; 0: relay for no one).")
  int relayReservations;

  @Mixin PeerOptions peer;

  @Spec CommandSpec spec;

  /** Counted down to stop sharing; by Ctrl-C, or by a test. */
  final CountDownLatch stop = new CountDownLatch(1);
  /** How often the first indexing says how far it got. */
  static final long PROGRESS_SECONDS = 2;

  /** The skipped files a line named already; written by the command's threads one at a time. */
  private final Set<Path> skippedShown = ConcurrentHashMap.newKeySet();

  /** Completed with the running peer once it shares; tests wait on it. */
  final CompletableFuture<Peer> ready = new CompletableFuture<>();

  /**
   * Starts the sharing peer, serving gRPC-Web and {@code page} when --web was given, and relaying
   * for as many peers as --relay-reservations says.
   */
  private Peer startSharing(@Nullable WebPageFiles page) {
    GrpcTransportOptions.Builder grpc = GrpcTransportOptions.builder()
        .relayReservations(relayReservations);
    if (web != null && page != null) {
      grpc.web(web).webPage(page.folder());
    }
    peer.transports.add(grpc.build());
    return peer.start(Role.FULL, folders);
  }

  @Override
  public Integer call() throws Exception {
    for (Path f : folders) {
      if (!Files.isDirectory(f)) {
        throw new UserError(UserError.FAILURE, "not a folder: " + f);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (peer.identity == null) {
      // A sharing peer keeps its ID across restarts, so others find it again after it moved.
      peer.identity = Path.of(System.getProperty("user.home"), ".loudp2p", "identity");
    }
    if (relayReservations < 0 || relayReservations > GrpcTransportOptions.MAX_RELAY_RESERVATIONS) {
      throw new UserError(UserError.USAGE, "--relay-reservations takes 0 to "
          + GrpcTransportOptions.MAX_RELAY_RESERVATIONS);
    }
    if (rescanSeconds < 0 || statusSeconds < 0) {
      throw new UserError(UserError.USAGE,
          "--rescan and --status take 0 (never) or a number of seconds");
    }
    if (web != null) {
      if (web.getPort() == 0) {
        throw new UserError(UserError.USAGE, "--web needs a port: the page that calls it is told"
            + " where, so a free one picked at start would not do");
      }
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loudp2p-share");
      t.setDaemon(true);
      return t;
    });
    try (WebPageFiles page = web == null ? null : WebPageFiles.extract();
        IdentityLock lock = IdentityLock.take(peer.identity);
        Peer p = startSharing(page)) {
      if (lock.busy()) {
        out.println("warning  another process already runs with the identity " + peer.identity
            + ": the network sees two peers with one ID, and each loses calls meant for the"
            + " other; give this one --identity FILE");
      }
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "loudp2p-shutdown"));
      report(out, p, timer);
      ready.complete(p);
      if (rescanSeconds > 0) {
        timer.scheduleWithFixedDelay(() -> rescan(out, p), rescanSeconds, rescanSeconds,
            TimeUnit.SECONDS);
      }
      printWhenChanged(timer, out, () -> relays(p.network()), 1);
      if (statusSeconds > 0) {
        printWhenChanged(timer, out, () -> status(p.metrics()), statusSeconds);
      }
      stop.await();
    } finally {
      timer.shutdownNow();
    }
    return 0;
  }

  /**
   * Prints the line {@code line} gives every {@code seconds}, when it differs from the one printed
   * last (at first, from an empty line).
   */
  private static void printWhenChanged(ScheduledExecutorService timer, PrintWriter out,
      Supplier<String> line, long seconds) {
    String[] last = {""};
    timer.scheduleWithFixedDelay(() -> {
      String now = line.get();
      if (!now.equals(last[0])) {
        last[0] = now;
        out.println(now);
      }
    }, seconds, seconds, TimeUnit.SECONDS);
  }

  /**
   * One line of the relays this peer is reached through when nobody can dial it: those it holds a
   * reservation at ("none" when it holds none), then why others refused it lately, each after a
   * bar; empty while it holds none and was refused none.
   */
  static String relays(NetworkStatus s) {
    if (s.relays().isEmpty() && s.relayRefusals().isEmpty()) {
      return "";
    }
    String held = s.relays().isEmpty() ? "none" : "reached through " + s.relays().stream()
        .map(r -> r.peer() + " at " + PeerOptions.HostPort.format(r.address()))
        .collect(Collectors.joining(", "));
    return "relays   " + held + s.relayRefusals().stream().map(why -> " | " + why)
        .collect(Collectors.joining());
  }

  /**
   * One line of what the peer did so far; once its relay served someone, what it relayed for
   * peers behind NATs too.
   */
  static String status(PeerMetrics m) {
    long reservations = m.relay().getOrDefault("reservations", 0L);
    long connections = m.relay().getOrDefault("connections", 0L);
    String relayed = reservations == 0 && connections == 0 ? ""
        : ", relays for " + Text.count(reservations, "peer") + " ("
            + Text.count(connections, "connection") + ", "
            + Text.bytes(m.relay().getOrDefault("bytes", 0L)) + ")";
    return "status   " + Text.count(m.peersKnown(), "peer") + ", "
        + Text.count(m.searchesAnswered(), "search", "searches") + " answered, "
        + Text.count(m.sessionsServed(), "session") + " served (" + m.sessionsServing()
        + " now), " + Text.bytes(PeerMetrics.total(m.bytesSent())) + " sent" + relayed;
  }

  /** Looks at the folders again and says what changed, when something did. */
  private void rescan(PrintWriter out, Peer p) {
    ScanReport r;
    try {
      r = p.catalog().rescan().join();
    } catch (RuntimeException e) {
      out.println("rescan   failed: " + Await.message(e));
      return;
    }
    if (r.added() + r.updated() + r.removed() > 0) {
      out.println("rescan   " + r.added() + " added, " + r.updated() + " updated, " + r.removed()
          + " removed; shares " + Text.count(p.catalog().size(), "track"));
    }
    printSkipped(out, r);
  }

  /** One line for each file skipped that no earlier line named. */
  private void printSkipped(PrintWriter out, ScanReport r) {
    for (ScanReport.SkippedFile f : r.skipped()) {
      if (skippedShown.add(f.path())) {
        out.println("skipped  " + f.path() + ": " + f.reason());
      }
    }
  }

  private void report(PrintWriter out, Peer p, ScheduledExecutorService timer) {
    out.println("peer     " + p.id());
    for (InetSocketAddress a : p.listenAddresses()) {
      out.println("listens  " + PeerOptions.HostPort.format(a));
      for (InetSocketAddress reach : LocalAddresses.reachableAs(a, 8)) {
        out.println("         others join with: --bootstrap " + p.id() + "@"
            + PeerOptions.HostPort.format(reach));
      }
    }
    if (web != null) {
      out.println("web      http://" + PeerOptions.HostPort.format(web)
          + "/ (the page, and gRPC-Web)");
    }
    out.println("indexing " + Text.count(folders.size(), "folder") + "...");
    out.flush();
    // Hashing runs in the background; a share is announced once it is indexed.
    CompletableFuture<ScanReport> indexing = p.catalog().ready();
    ScheduledFuture<?> progress = timer.scheduleAtFixedRate(() -> {
      if (!indexing.isDone()) {
        out.println("indexing " + Text.count(p.catalog().size(), "track") + " so far...");
      }
    }, PROGRESS_SECONDS, PROGRESS_SECONDS, TimeUnit.SECONDS);
    ScanReport indexed;
    try {
      indexed = indexing.join();
    } finally {
      progress.cancel(false);
    }
    printSkipped(out, indexed);
    out.println("shares   " + Text.count(p.catalog().size(), "track") + " from "
        + Text.count(folders.size(), "folder") + (indexed.skipped().isEmpty() ? ""
            : "; " + Text.count(indexed.skipped().size(), "file") + " skipped"));
    out.println("knows    " + Text.count(p.peers().size(), "peer") + "; Ctrl-C stops");
    out.flush();
  }
}
