package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.Role;
import io.loudp2p.examples.gateway.Gateway;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code loudp2p play TRACK}: joins the network and serves the track on a local HTTP address that
 * a browser, mpv or VLC plays (with seeking), until stopped.
 */
@Command(name = "play", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Serve a track over local HTTP for a browser or media player (until Ctrl-C).")
final class PlayCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "TRACK",
      description = "A track ID (from 'search'), or search words: the best hit is played.")
  List<String> track;

  @Option(names = "--http", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
      converter = PeerOptions.HostPort.class,
      description = "Where the player listens (default: ${DEFAULT-VALUE}, a free port on this machine only).")
  InetSocketAddress http;

  @Mixin PeerOptions peer;

  @Spec CommandSpec spec;

  /** Counted down once the URL is printed; tests wait on it. */
  final CountDownLatch ready = new CountDownLatch(1);
  /** Counted down to stop; by Ctrl-C, or by a test. */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    peer.requireBootstrap();
    PrintWriter out = spec.commandLine().getOut();
    try (Peer p = peer.start(Role.LIGHT, List.of())) {
      StreamCommand.Resolved r = StreamCommand.resolve(p, track);
      Gateway gateway;
      try {
        gateway = Gateway.start(p, http);
      } catch (IOException e) {
        if (e instanceof BindException || String.valueOf(e.getMessage()).contains("in use")) {
          throw new UserError(UserError.NETWORK, "cannot listen on " + PeerOptions.HostPort.format(http)
              + ": the port is busy; choose another with --http HOST:PORT", e);
        }
        throw new UserError(UserError.NETWORK, "cannot start the player: " + e.getMessage(), e);
      }
      try (gateway) {
        if (r.track() != null) {
          gateway.addTrack(r.track());
          out.println("playing  " + r.track().info().title() + " — " + r.track().info().artist());
        } else {
          // Found by ID alone: no title, but the first bytes name the type (and prove a peer has it).
          Gateway.Resource what;
          try {
            what = gateway.describe(r.id());
          } catch (IOException e) {
            throw new UserError(UserError.BAD_INPUT, "cannot play " + r.id() + ": " + e.getMessage(), e);
          }
          out.println("playing  track " + r.id() + " (" + what.mediaType() + ", "
              + Text.bytes(what.length()) + ")");
        }
        out.println("track    " + gateway.url().resolve("tracks/" + r.id()));
        out.println("player   " + gateway.url() + "   (or: mpv " + gateway.url().resolve("tracks/" + r.id()) + ")");
        out.println("Ctrl-C stops");
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "loudp2p-play-stop"));
        ready.countDown();
        stop.await();
      }
      return 0;
    }
  }
}
