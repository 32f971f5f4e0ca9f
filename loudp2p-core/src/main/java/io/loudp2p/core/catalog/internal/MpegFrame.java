package io.loudp2p.core.catalog.internal;

/**
 * Decodes MPEG-1/2/2.5 audio frame headers (layers I to III) far enough to know a frame's length.
 *
 * <p>Stateless and thread-safe.
 */
final class MpegFrame {
  private static final int[][] BITRATES_KBPS = {
    {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}, // V1 L1
    {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384}, // V1 L2
    {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}, // V1 L3
    {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256}, // V2 L1
    {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}, // V2 L2 and L3
  };
  private static final int[] SAMPLE_RATES_V1 = {44_100, 48_000, 32_000};

  private MpegFrame() {}

  /** The length in bytes of the frame whose header starts at {@code i}, or -1 when it is not one. */
  static int length(byte[] d, int i) {
    if ((d[i] & 0xFF) != 0xFF || (d[i + 1] & 0xE0) != 0xE0) {
      return -1;
    }
    int version = (d[i + 1] >> 3) & 3; // 0: 2.5, 1: reserved, 2: 2, 3: 1
    int layer = (d[i + 1] >> 1) & 3; // 1: III, 2: II, 3: I
    int bitrateIndex = (d[i + 2] >> 4) & 0xF;
    int rateIndex = (d[i + 2] >> 2) & 3;
    int padding = (d[i + 2] >> 1) & 1;
    if (version == 1 || layer == 0 || bitrateIndex == 0 || bitrateIndex == 15 || rateIndex == 3) {
      return -1;
    }
    boolean v1 = version == 3;
    int table = v1 ? 3 - layer : layer == 3 ? 3 : 4;
    int bitrate = BITRATES_KBPS[table][bitrateIndex] * 1000;
    int rate = SAMPLE_RATES_V1[rateIndex] >> (v1 ? 0 : version == 2 ? 1 : 2);
    if (layer == 3) {
      return (12 * bitrate / rate + padding) * 4;
    }
    int factor = layer == 1 && !v1 ? 72 : 144;
    return factor * bitrate / rate + padding;
  }

  /** Version, layer and sample rate bits, which stay the same from frame to frame. */
  static int kind(byte[] d, int i) {
    return (d[i + 1] & 0x1E) << 8 | (d[i + 2] & 0x0C);
  }
}
