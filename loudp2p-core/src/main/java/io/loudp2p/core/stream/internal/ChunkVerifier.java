package io.loudp2p.core.stream.internal;

/**
 * Checks a complete chunk before anyone uses it (for example against the manifest's SHA-256 leaf
 * hash).
 *
 * <p>Called on the thread that delivered the chunk's last fragment, with the buffer's owner lock
 * held; it must not block and must not keep a reference to {@code buf}.
 */
@FunctionalInterface
public interface ChunkVerifier {
  /** Accepts every chunk: for tests and for content that is checked elsewhere. */
  ChunkVerifier ACCEPT_ALL = (index, buf, off, len) -> true;

  /**
   * Whether {@code buf[off, off + len)} is the correct content of chunk {@code index}.
   */
  boolean verify(int index, byte[] buf, int off, int len);
}
