package io.loudp2p.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/** Audio made up for tests, and a reader that plays it like a player. */
public final class TestAudio {
  private TestAudio() {}

  /** A 16-bit mono 22,050 Hz WAV of seeded noise (44,100 bytes a second), untagged. */
  public static byte[] noiseWav(int seconds, long seed) {
    return noiseWavOfBytes(seconds * 22050 * 2, seed);
  }

  /** A 16-bit mono 22,050 Hz WAV of {@code dataBytes} bytes of seeded noise, untagged. */
  public static byte[] noiseWavOfBytes(int dataBytes, long seed) {
    int rate = 22050;
    ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + dataBytes).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate)
        .putInt(rate * 2).putShort((short) 2).putShort((short) 16);
    b.put("data".getBytes()).putInt(dataBytes);
    byte[] noise = new byte[dataBytes];
    new SplittableRandom(seed).nextBytes(noise);
    b.put(noise);
    return b.array();
  }

  /**
   * Reads like a player: at most {@code bytesPerSecond}, waiting (on the clock) when ahead. The
   * player's clock starts with the first bytes read, as playback does: waiting for them is the
   * startup latency, not time to catch up on afterwards.
   */
  public static int playPaced(InputStream in, byte[] into, int offset, int length, int bytesPerSecond)
      throws IOException {
    long start = -1;
    int done = 0;
    while (done < length) {
      if (start >= 0) {
        long due = start + (long) done * 1_000_000_000L / bytesPerSecond;
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
          LockSupport.parkNanos(wait); // a player's pace: it waits without holding a core
        }
      }
      int n = in.read(into, offset + done, Math.min(4096, length - done));
      if (n < 0) {
        break;
      }
      if (start < 0) {
        start = System.nanoTime();
      }
      done += n;
    }
    return done;
  }
}
