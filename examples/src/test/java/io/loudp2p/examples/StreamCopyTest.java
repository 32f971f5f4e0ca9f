package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

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

/** {@code stream -o -}: the copy to standard output stops when its reader goes away. */
class StreamCopyTest {
  /** A 100 MB track whose bytes are counted as they are read. */
  private static final class CountingSession implements StreamSession {
    long read;

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
        public int read() {
          return read(new byte[1], 0, 1) < 0 ? -1 : 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
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
    public void close() {}
  }

  @Test
  void aBrokenPipeOnStandardOutputStopsTheStreamInsteadOfFetchingTheRest() throws IOException {
    CountingSession session = new CountingSession();
    // What a pipe whose reader exited does: the first 256 KiB go through, then every write fails.
    PrintStream stdout = new PrintStream(new OutputStream() {
      long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (written + len > 256 << 10) {
          throw new IOException("Broken pipe");
        }
        written += len;
      }
    });
    StringWriter progress = new StringWriter();

    long copied = StreamCommand.copy(session, new byte[0], stdout, new PrintWriter(progress), "t");

    assertThat(copied).isEqualTo(256 << 10);
    assertThat(session.read).as("bytes fetched").isLessThanOrEqualTo((256 + 64) << 10);
    assertThat(progress.toString()).contains("the output was closed after 262144 bytes");
  }
}
