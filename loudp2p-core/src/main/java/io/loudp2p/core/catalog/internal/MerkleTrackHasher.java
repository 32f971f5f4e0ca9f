package io.loudp2p.core.catalog.internal;

import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.TrackHasher;
import io.loudp2p.core.content.MerkleTree;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The standard {@link TrackHasher}: leaf hashes of 16 KiB chunks read as a stream, then the Merkle
 * root over them.
 *
 * <p>Stateless and thread-safe.
 */
public final class MerkleTrackHasher implements TrackHasher {
  /** The one instance. */
  public static final MerkleTrackHasher INSTANCE = new MerkleTrackHasher();

  private MerkleTrackHasher() {}

  @Override
  public TrackId hash(Path file, long expectedSize) throws IOException {
    if (expectedSize < 1) {
      throw new IOException("cannot hash an empty file");
    }
    try (CountingStream in = new CountingStream(Files.newInputStream(file), expectedSize + 1)) {
      List<byte[]> leaves = MerkleTree.hashChunks(in, CHUNK_SIZE);
      if (in.count != expectedSize) {
        throw new IOException(
            "file changed while being read: expected " + expectedSize + " bytes, "
                + (in.count > expectedSize ? "found more" : "read " + in.count));
      }
      return TrackId.fromBytes(MerkleTree.fromLeafHashes(leaves).root());
    }
  }

  /** Counts bytes read and stops after a cap, so a growing file cannot make the read endless. */
  private static final class CountingStream extends FilterInputStream {
    private final long cap;
    long count;

    CountingStream(InputStream in, long cap) {
      super(in);
      this.cap = cap;
    }

    @Override
    public int read() throws IOException {
      if (count >= cap) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (count >= cap) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, cap - count));
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
