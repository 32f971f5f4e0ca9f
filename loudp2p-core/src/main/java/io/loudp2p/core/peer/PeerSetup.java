package io.loudp2p.core.peer;

import io.loudp2p.Loudp2pException;
import io.loudp2p.Peer;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.internal.ApiErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What a peer loads and checks of its configuration before it starts. Stateless. */
final class PeerSetup {
  private PeerSetup() {}

  /** The identity in the configured file (made there when there is none), or a new one. */
  static Identity identity(Peer.Config config, PeerRuntime runtime) {
    Path file = config.identityFile();
    if (file == null) {
      return runtime.newIdentity().get();
    }
    try {
      return Identity.loadOrCreate(file);
    } catch (IOException e) {
      throw ApiErrors.of(e);
    }
  }

  /**
   * Refuses a shared folder that is missing, not a folder or unreadable: a quick check on the
   * caller's thread, so that a typo fails a peer's start rather than the catalog's scan.
   */
  static void checkShares(List<Path> shares) {
    for (Path share : shares) {
      String problem = !Files.exists(share) ? "no such folder"
          : !Files.isDirectory(share) ? "not a folder"
          : !Files.isReadable(share) ? "not readable" : null;
      if (problem != null) {
        throw new Loudp2pException(Loudp2pException.Code.INVALID,
            "cannot share " + share + ": " + problem);
      }
    }
  }
}
