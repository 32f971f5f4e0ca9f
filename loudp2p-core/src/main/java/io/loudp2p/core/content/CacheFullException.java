package io.loudp2p.core.content;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The chunk cache cannot take a chunk: its size bound is reached and nothing can be evicted, or
 * the disk is full. Nothing already stored was lost.
 */
public final class CacheFullException extends IOException {
  private static final long serialVersionUID = 1L;

  CacheFullException(Path dir, String detail, Throwable cause) {
    super("chunk cache " + dir + " is full: " + detail, cause);
  }

  CacheFullException(Path dir, String detail) {
    super("chunk cache " + dir + " is full: " + detail);
  }
}
