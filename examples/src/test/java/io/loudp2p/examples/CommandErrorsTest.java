package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.examples.Cli.Run;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the commands say without a peer to ask: one clear line each, exit code 2 for a command
 * line that is wrong and 1 for everything else, and where {@code identity} keeps the identity.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CommandErrorsTest {
  @TempDir Path tmp;

  @Test
  void aCacheFolderThatCannotBeMadeIsOneLineAndExitCodeOne() throws IOException {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    Path cache = file.resolve("cache");

    String nobody = "127.0.0.1:" + closedPort();
    for (List<String> command : List.of(List.of("search", "lantern"),
        List.of("stream", "lantern", "-o", tmp.toString()), List.of("play", "lantern"))) {
      List<String> args = new java.util.ArrayList<>(command);
      args.addAll(List.of("-b", nobody, "--cache", cache.toString()));
      Run r = Cli.run(args.toArray(String[]::new));
      assertThat(r.exit()).as("%s", command).isEqualTo(1);
      assertThat(r.err()).as("%s", command)
          .isEqualTo("loudp2p: cannot use the cache folder " + cache + ": not a directory\n");
    }
  }

  @Test
  void aMissingBootstrapPeerIsAUsageError() {
    for (String command : List.of("search", "stream", "play")) {
      Run r = Cli.run(command, "lantern");
      assertThat(r.exit()).as(command).isEqualTo(2);
      assertThat(r.err()).as(command).startsWith("loudp2p: name a peer to ask with --bootstrap")
          .hasLineCount(1);
    }
  }

  @Test
  void identityPrintsThePeerIdAloneAndSaysOnStderrWhetherItMadeTheFile() {
    Path file = tmp.resolve("keys").resolve("identity");

    Run created = Cli.run("identity", "--identity", file.toString());
    Run used = Cli.run("identity", "--identity", file.toString());

    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(created.out()).matches("[1-9A-HJ-NP-Za-km-z]+\n");
    assertThat(created.err()).isEqualTo("created " + IdentityCommand.shown(file) + "\n");
    assertThat(used.out()).isEqualTo(created.out());
    assertThat(used.err()).isEqualTo("using   " + IdentityCommand.shown(file) + "\n");
    assertThat(IdentityCommand.shown(Path.of(System.getProperty("user.home"), ".loudp2p", "identity")))
        .isEqualTo("~/.loudp2p/identity");
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
