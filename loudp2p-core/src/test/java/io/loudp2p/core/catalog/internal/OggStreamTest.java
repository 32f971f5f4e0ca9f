package io.loudp2p.core.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.core.catalog.Fixtures;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OggStreamTest {
  @TempDir Path dir;

  /** An Ogg page with serial {@code serial} holding one packet of {@code length} zero bytes split over full segments. */
  private static byte[] page(int serial, int segments, int lastSegment) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.writeBytes(new byte[] {'O', 'g', 'g', 'S', 0, 0});
    p.writeBytes(new byte[8]);
    p.writeBytes(new byte[] {(byte) serial, (byte) (serial >>> 8), (byte) (serial >>> 16), (byte) (serial >>> 24)});
    p.writeBytes(new byte[8]);
    p.write(segments);
    int data = 0;
    for (int i = 0; i < segments; i++) {
      int len = i == segments - 1 ? lastSegment : 255;
      p.write(len);
      data += len;
    }
    p.writeBytes(new byte[data]);
    return p.toByteArray();
  }

  @Test
  void readsTheHeaderPacketsOfTheFirstStream() throws Exception {
    Path file = Files.write(dir.resolve("a.opus"), Fixtures.bytes("tagged.opus"));
    List<byte[]> packets = OggStream.headerPackets(file, 2, 1 << 20);
    assertThat(new String(packets.get(0), 0, 8, "ISO-8859-1")).isEqualTo("OpusHead");
    assertThat(new String(packets.get(1), 0, 8, "ISO-8859-1")).isEqualTo("OpusTags");
    assertThat(OggStream.lastGranulePosition(file, OggStream.firstSerial(file))).isPositive();
  }

  @Test
  void refusesPacketsBeyondTheCap() throws Exception {
    Path file = Files.write(dir.resolve("big.ogg"), page(1, 10, 0));
    assertThatThrownBy(() -> OggStream.headerPackets(file, 1, 1000))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("Ogg header packet longer than 1000 bytes");
  }

  @Test
  void givesUpAfterTheScanLimit() throws Exception {
    Path file = dir.resolve("foreign.ogg");
    byte[] foreign = page(2, 255, 255);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      out.write(page(1, 1, 255));
      for (long written = 0; written <= OggStream.MAX_HEADER_SCAN_BYTES; written += foreign.length) {
        out.write(foreign);
      }
    }
    assertThatThrownBy(() -> OggStream.headerPackets(file, 1, 1 << 20))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("no Ogg header packets in the first " + OggStream.MAX_HEADER_SCAN_BYTES + " bytes");
  }

  @Test
  void refusesAVorbisCommentBlockWithTooManyComments() {
    byte[] block = new byte[12];
    int count = VorbisComments.MAX_COMMENTS + 1;
    block[4] = (byte) count;
    block[5] = (byte) (count >>> 8);
    assertThatThrownBy(() -> VorbisComments.parse(block, 0, block.length))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageContaining("the most accepted is " + VorbisComments.MAX_COMMENTS);
  }
}
