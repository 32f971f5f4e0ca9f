package io.loudp2p.examples;

import io.loudp2p.Peer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the command line in this process, and a peer on 127.0.0.1 sharing tracks to run it against. */
final class Cli {
  private Cli() {}

  /** Output of one run. */
  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(exit, out.toString(), err.toString());
  }

  /**
   * A full peer sharing a folder of WAV files made from {@code files} (file name to the file's
   * bytes), once it indexed them.
   */
  static Peer sharer(Path folder, Map<String, byte[]> files) throws IOException {
    Files.createDirectories(folder);
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Files.write(folder.resolve(f.getKey()), f.getValue());
    }
    Peer peer = Peer.builder().share(folder).build().start();
    peer.catalog().ready().orTimeout(30, TimeUnit.SECONDS).join();
    return peer;
  }

  /** Where {@code peer} listens, as {@code --bootstrap} takes it. */
  static String address(Peer peer) {
    return PeerOptions.HostPort.format(peer.listenAddresses().get(0));
  }

  /** The ID of the one track {@code peer} shares that matches {@code words}. */
  static String id(Peer peer, String words) {
    return peer.catalog().search(words, 1).get(0).track().id().toString();
  }
}
