package io.loudp2p.core.testing;

import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.proto.v1.TrackMetadata;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.SplittableRandom;

/** Track bytes and their manifests for stream and cache tests. */
public final class TestTracks {
  private TestTracks() {}

  /** {@code size} bytes seeded by the size: the same track for the same size. */
  public static byte[] bytes(int size) {
    byte[] b = new byte[size];
    new SplittableRandom(size).nextBytes(b);
    return b;
  }

  /** The manifest of {@code track}, with no metadata. */
  public static Manifest manifest(byte[] track) throws IOException {
    return Manifest.ofStream(new ByteArrayInputStream(track), TrackMetadata.getDefaultInstance());
  }
}
