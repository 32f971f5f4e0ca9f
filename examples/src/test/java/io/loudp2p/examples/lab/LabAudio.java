package io.loudp2p.examples.lab;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Tracks for the lab: WAV files of seeded noise, the same for the same seed. */
public final class LabAudio {
  /** The byte rate of {@link #noiseWav}: 16-bit mono at 22,050 Hz, 352.8 kbit/s. */
  public static final int BYTES_PER_SECOND = 44_100;

  private LabAudio() {}

  /** A 16-bit mono 22,050 Hz WAV of {@code seconds} of seeded noise, untagged. */
  public static byte[] noiseWav(int seconds, long seed) {
    int dataBytes = seconds * BYTES_PER_SECOND;
    ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes()).putInt(36 + dataBytes).put("WAVE".getBytes());
    b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(22_050)
        .putInt(BYTES_PER_SECOND).putShort((short) 2).putShort((short) 16);
    b.put("data".getBytes()).putInt(dataBytes);
    byte[] noise = new byte[dataBytes];
    new SplittableRandom(seed).nextBytes(noise);
    return b.put(noise).array();
  }
}
