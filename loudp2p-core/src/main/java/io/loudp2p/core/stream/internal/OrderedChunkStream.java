package io.loudp2p.core.stream.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of a track in order, read from a {@link ChunkBuffer} as chunks are verified.
 *
 * <p>A read blocks only until at least one byte at the current position is verified, then returns
 * what is available in that chunk; it throws an {@link IOException} once the buffer is closed or
 * failed, waking a reader blocked at that moment. {@link #seek} moves the position to any byte
 * offset. Chunks read past go back to the pool. Meant for one reader thread at a time; {@link
 * #close()} may be called from any thread.
 */
public final class OrderedChunkStream extends InputStream {
  private final ChunkBuffer<?> buffer;
  private final byte[] one = new byte[1];

  OrderedChunkStream(ChunkBuffer<?> buffer) {
    this.buffer = buffer;
  }

  @Override
  public int read() throws IOException {
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    return buffer.read(b, off, len);
  }

  /** Bytes readable now without blocking (the verified rest of the current chunk). */
  @Override
  public int available() throws IOException {
    return buffer.available();
  }

  /**
   * Moves the read position to {@code position}; chunks before it are released.
   *
   * @throws IllegalArgumentException if outside 0..{@link #length()}
   * @throws IOException if the stream is closed or failed
   */
  public void seek(long position) throws IOException {
    buffer.seek(position);
  }

  /** Skips forward like {@link #seek}, never past the end; returns how far it moved. */
  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    long from = buffer.position();
    long to = Math.min(buffer.length(), from + n);
    buffer.seek(to);
    return to - from;
  }

  /** The read position. */
  public long position() {
    return buffer.position();
  }

  /** The track's length. */
  public long length() {
    return buffer.length();
  }

  /** Closes the underlying {@link ChunkBuffer}. */
  @Override
  public void close() {
    buffer.close();
  }
}
