package io.loudp2p.examples;

import io.loudp2p.core.identity.Identity;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code loudp2p identity}: creates the identity file if there is none, and prints the peer ID. */
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
    Identity identity = Identity.loadOrCreate(file);
    spec.commandLine().getOut().println(identity.peerId());
    return 0;
  }
}
