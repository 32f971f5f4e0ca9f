package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.Role;
import io.loudp2p.examples.gateway.Gateway;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code loudp2p play TRACK}: joins the network and serves the track on a local HTTP address that
 * a browser, mpv or VLC plays (with seeking), until stopped. The page address it prints opens the
 * player with the track playing and the swarm at work beside it; {@code --open} opens it in the
 * system's browser, {@code --mpv} and {@code --vlc} start those players on the track (and the
 * command stops when they quit).
 */
@Command(name = "play", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Serve a track over local HTTP for a browser or media player (until Ctrl-C).")
final class PlayCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "TRACK",
      description = "A track ID, or search words (the best hit is played), with perhaps the"
          + " start of a track ID that 'search' printed to choose among their hits.")
  List<String> track;

  @Option(names = "--http", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
      converter = PeerOptions.HostPort.class,
      description = "Where the player listens (default: ${DEFAULT-VALUE}, a free port on this machine only).")
  InetSocketAddress http;

  @Option(names = "--open", description = "Open the player page in the system's browser.")
  boolean open;

  @Option(names = "--mpv", description = "Play the track in mpv; stops when mpv quits.")
  boolean mpv;

  @Option(names = "--vlc", description = "Play the track in VLC; stops when VLC quits.")
  boolean vlc;

  @Mixin PeerOptions peer;

  /** Starts the browser and players; tests put one in that launches nothing. */
  Launcher launcher = Launcher.system();

  @Spec CommandSpec spec;

  /** Counted down once the URL is printed; tests wait on it. */
  final CountDownLatch ready = new CountDownLatch(1);
  /** Counted down to stop; by Ctrl-C, or by a test. */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    TrackRef ref = TrackRef.parse(track);
    peer.requireBootstrap();
    PrintWriter out = spec.commandLine().getOut();
    try (Peer p = peer.start(Role.LIGHT, List.of())) {
      TrackRef.Resolved r = ref.resolve(p, spec.commandLine().getErr());
      Gateway gateway;
      try {
        gateway = Gateway.start(p, http);
      } catch (IOException e) {
        if (e instanceof BindException || String.valueOf(e.getMessage()).contains("in use")) {
          throw new UserError(UserError.FAILURE, "cannot listen on " + PeerOptions.HostPort.format(http)
              + ": the port is busy; choose another with --http HOST:PORT", e);
        }
        throw new UserError(UserError.FAILURE, "cannot start the player: " + e.getMessage(), e);
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
            throw new UserError(UserError.FAILURE, "cannot play " + r.id() + ": " + e.getMessage(), e);
          }
          out.println("playing  track " + r.id() + " (" + what.mediaType() + ", "
              + Text.bytes(what.length()) + ")");
        }
        URI trackUrl = gateway.trackUrl(r.id());
        URI page = gateway.playerUrl(r.id());
        out.println("track    " + trackUrl);
        out.println("player   " + page + "   (or: mpv " + trackUrl + ")");
        if (open) {
          launcher.browse(page, out);
        }
        List<String> chosen = new ArrayList<>();
        if (mpv) {
          chosen.add("mpv");
        }
        if (vlc) {
          chosen.add("vlc");
        }
        List<CompletableFuture<Integer>> players = new ArrayList<>();
        for (String player : chosen) {
          players.add(launcher.play(player, trackUrl));
          out.println("started  " + player);
        }
        if (!players.isEmpty()) {
          CompletableFuture.allOf(players.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            out.println((players.size() == 1 ? "the player quit" : "the players quit") + "; stopping");
            out.flush();
            stop.countDown();
          });
        }
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
