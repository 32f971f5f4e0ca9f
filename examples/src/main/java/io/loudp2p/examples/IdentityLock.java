package io.loudp2p.examples;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;

/**
 * A lock on an identity file's companion {@code FILE.lock}, held while a peer runs with that
 * identity, so that a second process started with it can say that two peers now share one ID.
 * Advisory only: a second process still runs, warned.
 */
final class IdentityLock implements AutoCloseable {
  private final @Nullable FileChannel channel;
  private final boolean busy;

  private IdentityLock(@Nullable FileChannel channel, boolean busy) {
    this.channel = channel;
    this.busy = busy;
  }

  /**
   * Takes the lock of {@code identity}; {@link #busy()} says when another process (or another
   * peer of this one) holds it. When the lock file cannot be made, nothing is held or known.
   */
  static IdentityLock take(Path identity) {
    Path file = identity.resolveSibling(identity.getFileName() + ".lock");
    FileChannel channel = null;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by another peer of this process
      }
      if (lock == null) {
        channel.close();
        return new IdentityLock(null, true);
      }
      return new IdentityLock(channel, false);
    } catch (IOException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // nothing held
        }
      }
      return new IdentityLock(null, false);
    }
  }

  /** Whether another process, or another peer of this one, runs with the identity. */
  boolean busy() {
    return busy;
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close(); // releases the lock
    }
  }
}
