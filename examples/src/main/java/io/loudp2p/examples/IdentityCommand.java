package io.loudp2p.examples;

import io.loudp2p.core.identity.Identity;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code loudp2p identity}: creates the identity file if there is none, and prints the peer ID on
 * stdout, alone; stderr says which file it used and whether it made it.
 */
@Command(name = "identity", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Create or show this peer's identity (its peer ID).")
final class IdentityCommand implements Callable<Integer> {
  @Option(
      names = "--identity",
      paramLabel = "FILE",
      description = "The identity file (default: ${DEFAULT-VALUE}).",
      defaultValue = "${user.home}/.loudp2p/identity")
  Path file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    boolean existed = java.nio.file.Files.exists(file);
    Identity identity = Identity.loadOrCreate(file);
    // The ID alone on stdout, for scripts; which file, and whether it is new, on stderr.
    spec.commandLine().getOut().println(identity.peerId());
    spec.commandLine().getErr().println((existed ? "using   " : "created ") + shown(file));
    return 0;
  }

  /** {@code path}, with the home folder written {@code ~}. */
  static String shown(Path path) {
    Path home = Path.of(System.getProperty("user.home")).toAbsolutePath();
    Path abs = path.toAbsolutePath();
    return abs.startsWith(home) && !abs.equals(home) ? "~/" + home.relativize(abs) : path.toString();
  }
}
