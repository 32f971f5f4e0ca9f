package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.ScanReport;
import io.loudp2p.Role;
import io.loudp2p.core.internal.LocalAddresses;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code loudp2p share DIR...}: runs a full peer that shares folders of music until stopped. */
@Command(name = "share", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Run a full peer sharing folders of music (until Ctrl-C); its identity is"
    + " ~/.loudp2p/identity unless --identity names another.")
final class ShareCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "DIR", description = "Folders of music to share.")
  List<Path> folders;

  @Mixin PeerOptions peer;

  @Spec CommandSpec spec;

  /** Counted down to stop sharing; by Ctrl-C, or by a test. */
  final CountDownLatch stop = new CountDownLatch(1);
  /** Completed with the running peer once it shares; tests wait on it. */
  final CompletableFuture<Peer> ready = new CompletableFuture<>();

  @Override
  public Integer call() throws Exception {
    for (Path f : folders) {
      if (!Files.isDirectory(f)) {
        throw new UserError(UserError.BAD_INPUT, "not a folder: " + f);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (peer.identity == null) {
      // A sharing peer keeps its ID across restarts, so others find it again after it moved.
      peer.identity = Path.of(System.getProperty("user.home"), ".loudp2p", "identity");
    }
    try (Peer p = peer.start(Role.FULL, folders)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "loudp2p-shutdown"));
      report(out, p);
      ready.complete(p);
      stop.await();
    }
    return 0;
  }

  private void report(PrintWriter out, Peer p) {
    out.println("peer     " + p.id());
    for (InetSocketAddress a : p.listenAddresses()) {
      out.println("listens  " + PeerOptions.HostPort.format(a));
      for (InetSocketAddress reach : LocalAddresses.reachableAs(a, 8)) {
        out.println("         others join with: --bootstrap " + p.id() + "@"
            + PeerOptions.HostPort.format(reach));
      }
    }
    out.println("indexing " + folders.size() + " folder(s)...");
    out.flush();
    // Hashing runs in the background; a share is announced once it is indexed.
    ScanReport indexed = p.catalog().ready().join();
    out.println("shares   " + p.catalog().size() + " tracks from " + folders.size() + " folder(s)"
        + (indexed.skipped().isEmpty() ? "" : "; " + indexed.skipped().size() + " file(s) skipped"));
    out.println("knows    " + p.peers().size() + " peer(s); Ctrl-C stops");
    out.flush();
  }
}
