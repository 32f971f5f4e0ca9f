package io.loudp2p.transport.grpc.testing;

import io.loudp2p.Peer;
import io.loudp2p.SearchResult;
import io.loudp2p.core.testing.TestAudio;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A started peer sharing one folder with a small test track, for {@link ControlPlaneFuzzer}. */
public final class FuzzTarget implements AutoCloseable {
  /** The track's file name; untagged, so its title is {@code fuzzsong}. */
  public static final String TRACK_FILE = "fuzzsong.wav";
  private final Peer peer;
  private final byte[] trackId;
  private final int chunks;

  private FuzzTarget(Peer peer, byte[] trackId, int chunks) {
    this.peer = peer;
    this.trackId = trackId;
    this.chunks = chunks;
  }

  /** Starts a FULL peer on 127.0.0.1 (a free port) sharing {@code folder}, where it writes the track. */
  public static FuzzTarget start(Path folder, long seed) throws IOException {
    byte[] wav = TestAudio.noiseWav(2, seed); // 88,244 bytes: 6 chunks
    Files.createDirectories(folder);
    Files.write(folder.resolve(TRACK_FILE), wav);
    Peer peer = Peer.builder().share(folder).build().start();
    peer.catalog().ready().orTimeout(60, TimeUnit.SECONDS).join();
    List<SearchResult> found = peer.catalog().search("fuzzsong", 1);
    if (found.isEmpty()) {
      peer.close();
      throw new IllegalStateException("the peer did not index " + TRACK_FILE);
    }
    return new FuzzTarget(peer, found.get(0).track().id().bytes(), (wav.length + 16383) / 16384);
  }

  public Peer peer() {
    return peer;
  }

  public InetSocketAddress control() {
    return peer.listenAddresses().get(0);
  }

  /** The shared track's ID. */
  byte[] trackId() {
    return trackId;
  }

  public int chunks() {
    return chunks;
  }

  @Override
  public void close() {
    peer.close();
  }
}
