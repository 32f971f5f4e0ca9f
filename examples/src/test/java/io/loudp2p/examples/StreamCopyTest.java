package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.StreamStats;
import io.loudp2p.TrackId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code stream}'s copy: it stops, closing the session, when its output fails (the reader of
 * {@code -o -} went away), and ends the progress line before an error is said.
 */
class StreamCopyTest {
  /** A 100 MB track whose bytes are counted as they are read. */
  private static final class CountingSession implements StreamSession {
    long read;
    volatile boolean closed;
    /** Reads fail from this many bytes on: a source that went away. */
    long failAt = Long.MAX_VALUE;

    @Override
    public TrackId trackId() {
      return TrackId.fromBytes(new byte[32]);
    }

    @Override
    public long length() {
      return 100L << 20;
    }

    @Override
    public InputStream inputStream() {
      return new InputStream() {
        @Override
        public int read() throws IOException {
          return read(new byte[1], 0, 1) < 0 ? -1 : 0;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (closed) {
            throw new IOException("session closed");
          }
          if (read >= failAt) {
            throw new IOException("every source went away");
          }
          int n = (int) Math.min(len, length() - read);
          read += n;
          return n <= 0 ? -1 : n;
        }
      };
    }

    @Override
    public void seek(long byteOffset) {}

    @Override
    public List<SourceStats> sources() {
      return List.of();
    }

    @Override
    public StreamStats stats() {
      return new StreamStats(null, 0, Duration.ZERO, read, 0, 0);
    }

    @Override
    public CompletableFuture<Void> completion() {
      return new CompletableFuture<>();
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** What a pipe whose reader exited does: the first {@code limit} bytes go through, then every write fails. */
  private static OutputStream brokenAfter(long limit) {
    return new OutputStream() {
      long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (written + len > limit) {
          throw new IOException("Broken pipe");
        }
        written += len;
      }
    };
  }

  @Test
  void aBrokenPipeOnStandardOutputClosesTheSessionAndEndsTheCommand() {
    CountingSession session = new CountingSession();
    PrintStream stdout = new PrintStream(brokenAfter(256 << 10));
    StringWriter progress = new StringWriter();

    assertThatThrownBy(() -> StreamCommand.copy(session, new byte[0], stdout,
        new PrintWriter(progress), "t", false))
        .isInstanceOfSatisfying(UserError.class, e -> {
          assertThat(e.exitCode()).isEqualTo(1);
          assertThat(e.getMessage()).isEqualTo(
              "the output failed after 262144 bytes; stopped streaming");
        });

    assertThat(session.closed).as("session closed").isTrue();
    assertThat(session.read).as("bytes fetched").isLessThanOrEqualTo((256 + 64) << 10);
  }

  @Test
  void anOutputStreamThatThrowsClosesTheSessionAtOnceAndSaysWhy() {
    CountingSession session = new CountingSession();

    assertThatThrownBy(() -> StreamCommand.copy(session, new byte[100], brokenAfter(100 + (128 << 10)),
        new PrintWriter(new StringWriter()), "t", false))
        .isInstanceOf(UserError.class)
        .hasMessage("the output failed after 131172 bytes (Broken pipe); stopped streaming");

    assertThat(session.closed).isTrue();
    assertThat(session.read).isLessThanOrEqualTo((128 + 64) << 10);
  }

  @Test
  void onATerminalTheProgressLineEndsBeforeAnErrorIsSaid() {
    CountingSession session = new CountingSession();
    session.failAt = 1 << 20;
    StringWriter progress = new StringWriter();

    assertThatThrownBy(() -> StreamCommand.copy(session, new byte[0], OutputStream.nullOutputStream(),
        new PrintWriter(progress), "t", true))
        .isInstanceOf(IOException.class).hasMessage("every source went away");

    assertThat(progress.toString()).startsWith("\rt [").endsWith("\n");
  }
}
