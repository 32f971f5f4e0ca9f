package io.loudp2p.core.testing;

import io.loudp2p.Peer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real peers on 127.0.0.1 for a test: started with what {@link #configure} adds, closed after it,
 * with folders of audio fixtures to share.
 */
public abstract class PeerFixture {
  protected static final Duration SEARCH = Duration.ofSeconds(3);

  @TempDir protected Path tmp;
  private final List<Peer> peers = new ArrayList<>();

  @AfterEach
  void tearDown() {
    for (Peer p : peers) {
      p.close();
    }
  }

  /** What every peer of the scenarios is configured with besides; nothing more by default. */
  protected Peer.Builder configure(Peer.Builder builder) {
    return builder;
  }

  /** Starts a peer that is closed after the test. */
  protected Peer start(Peer.Builder builder) throws IOException {
    Peer p = configure(builder).build();
    peers.add(p);
    p.start();
    // Shared folders are indexed in the background: the scenarios search them at once.
    p.catalog().ready().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
    return p;
  }

  /** The peer's first control address. */
  protected static InetSocketAddress at(Peer p) {
    return p.listenAddresses().get(0);
  }

  /** A folder holding copies of audio fixtures. */
  protected Path folderWith(String name, String... fixtures) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (String f : fixtures) {
      try (InputStream in = PeerFixture.class.getResourceAsStream("/audio/" + f)) {
        Files.write(dir.resolve(f), in.readAllBytes());
      }
    }
    return dir;
  }
}
