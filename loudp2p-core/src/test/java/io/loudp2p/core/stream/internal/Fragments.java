package io.loudp2p.core.stream.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Test helpers: a track's bytes cut into fragments. */
final class Fragments {
  private Fragments() {}

  /** One fragment: where it belongs and its bytes. */
  record Fragment(int chunk, int offset, ByteBuffer data) {
    Fragment withData(ByteBuffer replacement) {
      return new Fragment(chunk, offset, replacement);
    }
  }

  static byte[] track(long seed, int length) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** Every chunk cut into consecutive fragments of at most {@code size} bytes, in order. */
  static List<Fragment> cut(byte[] track, int chunkSize, int size) {
    List<Fragment> out = new ArrayList<>();
    for (int start = 0, chunk = 0; start < track.length; start += chunkSize, chunk++) {
      int chunkLength = Math.min(chunkSize, track.length - start);
      for (int off = 0; off < chunkLength; off += size) {
        int len = Math.min(size, chunkLength - off);
        out.add(new Fragment(chunk, off, ByteBuffer.wrap(track, start + off, len).slice()));
      }
    }
    return out;
  }

  static List<Fragment> shuffled(List<Fragment> fragments, long seed) {
    List<Fragment> copy = new ArrayList<>(fragments);
    Collections.shuffle(copy, new Random(seed));
    return copy;
  }

  static byte[] chunkBytes(byte[] track, int chunkSize, int chunk) {
    int start = chunk * chunkSize;
    int len = Math.min(chunkSize, track.length - start);
    byte[] out = new byte[len];
    System.arraycopy(track, start, out, 0, len);
    return out;
  }
}
