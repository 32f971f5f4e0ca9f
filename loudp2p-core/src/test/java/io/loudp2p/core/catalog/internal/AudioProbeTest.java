package io.loudp2p.core.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.catalog.Fixtures;
import io.loudp2p.core.testing.Bytes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioProbeTest {
  private static final long ALLOWED_ALLOCATION = 64L * 1024 * 1024;

  @TempDir Path dir;

  private TrackInfo probe(String fixture) throws Exception {
    Path file = Fixtures.copy(fixture, dir, fixture);
    return AudioProbe.probe(file, Files.size(file));
  }

  private TrackInfo probeBytes(String name, byte[] data) throws Exception {
    Path file = Files.write(dir.resolve(name), data);
    return AudioProbe.probe(file, data.length);
  }

  private static void assertAbout(Duration d, double seconds) {
    assertThat(d.toMillis() / 1000.0).isBetween(seconds - 0.2, seconds + 0.2);
  }

  @Test
  void readsId3v23Tags() throws Exception {
    TrackInfo info = probe("id3v23.mp3");
    assertThat(info.title()).isEqualTo("Halo");
    assertThat(info.artist()).isEqualTo("Beyoncé");
    assertThat(info.album()).isEqualTo("I Am... Sasha Fierce");
    assertThat(info.trackNumber()).isEqualTo(3);
    assertThat(info.codec()).isEqualTo("mp3");
    assertThat(info.mediaType()).isEqualTo("audio/mpeg");
    assertThat(info.sampleRateHz()).isEqualTo(8000);
    assertThat(info.bitrateKbps()).isEqualTo(16);
    assertAbout(info.duration(), 1.5);
  }

  @Test
  void silencesJaudiotaggerLogging() throws Exception {
    probe("id3v1.mp3");
    assertThat(java.util.logging.Logger.getLogger("org.jaudiotagger").getLevel())
        .isEqualTo(java.util.logging.Level.OFF);
  }

  @Test
  void readsId3v24Tags() throws Exception {
    TrackInfo info = probe("id3v24.mp3");
    assertThat(info.title()).isEqualTo("Formation");
    assertThat(info.artist()).isEqualTo("Beyoncé");
    assertThat(info.album()).isEqualTo("Lemonade");
    assertThat(info.trackNumber()).isEqualTo(12);
  }

  @Test
  void readsId3v1Tags() throws Exception {
    TrackInfo info = probe("id3v1.mp3");
    assertThat(info.title()).isEqualTo("Hoppípolla");
    assertThat(info.artist()).isEqualTo("Sigur Rós");
    assertThat(info.album()).isEqualTo("Takk...");
    assertThat(info.trackNumber()).isEqualTo(2);
  }

  @Test
  void titlesUntaggedFilesAfterTheirName() throws Exception {
    TrackInfo mp3 = probe("untagged.mp3");
    assertThat(mp3.title()).isEqualTo("untagged");
    assertThat(mp3.artist()).isEmpty();
    assertThat(mp3.album()).isEmpty();
    assertAbout(mp3.duration(), 1.5);
    TrackInfo wav = probe("untagged.wav");
    assertThat(wav.title()).isEqualTo("untagged");
    assertThat(wav.artist()).isEmpty();
    assertThat(wav.codec()).isEqualTo("wav");
    assertThat(wav.mediaType()).isEqualTo("audio/wav");
    assertThat(wav.sampleRateHz()).isEqualTo(8000);
    assertThat(wav.bitrateKbps()).isEqualTo(128);
    assertAbout(wav.duration(), 1.5);
  }

  @Test
  void readsFlacVorbisComments() throws Exception {
    TrackInfo info = probe("tagged.flac");
    assertThat(info.title()).isEqualTo("Svefn-g-englar");
    assertThat(info.artist()).isEqualTo("Sigur Rós");
    assertThat(info.album()).isEqualTo("Ágætis byrjun");
    assertThat(info.trackNumber()).isEqualTo(4);
    assertThat(info.codec()).isEqualTo("flac");
    assertThat(info.mediaType()).isEqualTo("audio/flac");
    assertThat(info.sampleRateHz()).isEqualTo(8000);
    assertAbout(info.duration(), 1.5);
  }

  @Test
  void readsOggVorbisComments() throws Exception {
    TrackInfo info = probe("tagged.ogg");
    assertThat(info.title()).isEqualTo("Crystalised");
    assertThat(info.artist()).isEqualTo("The xx");
    assertThat(info.album()).isEqualTo("xx");
    assertThat(info.trackNumber()).isEqualTo(1);
    assertThat(info.codec()).isEqualTo("vorbis");
    assertThat(info.mediaType()).isEqualTo("audio/ogg");
    assertThat(info.sampleRateHz()).isEqualTo(8000);
    assertAbout(info.duration(), 1.5);
  }

  @Test
  void readsOpusHeadAndTags() throws Exception {
    TrackInfo info = probe("tagged.opus");
    assertThat(info.title()).isEqualTo("Déjà Vu");
    assertThat(info.artist()).isEqualTo("Beyoncé");
    assertThat(info.album()).isEqualTo("B'Day");
    assertThat(info.trackNumber()).isEqualTo(5);
    assertThat(info.codec()).isEqualTo("opus");
    assertThat(info.sampleRateHz()).isEqualTo(8000);
    assertThat(info.bitrateKbps()).isBetween(6, 20);
    assertAbout(info.duration(), 1.5);
  }

  @Test
  void readsOpusInAnOggFile() throws Exception {
    TrackInfo info = probeBytes("opus-inside.ogg", Fixtures.bytes("tagged.opus"));
    assertThat(info.codec()).isEqualTo("opus");
    assertThat(info.title()).isEqualTo("Déjà Vu");
  }

  @Test
  void readsWavListInfo() throws Exception {
    TrackInfo info = probe("tagged.wav");
    assertThat(info.title()).isEqualTo("Teardrop");
    assertThat(info.artist()).isEqualTo("Massive Attack");
    assertThat(info.album()).isEqualTo("Mezzanine");
    assertThat(info.trackNumber()).isEqualTo(7);
  }

  @Test
  void rejectsRandomBytesNamedMp3() {
    byte[] noise = new byte[20_000];
    new Random(42).nextBytes(noise);
    noise[0] = 0;
    assertThatThrownBy(() -> probeBytes("noise.mp3", noise))
        .isInstanceOf(UnreadableFileException.class);
  }

  @Test
  void rejectsLargeRandomFilesInWhichJaudiotaggerFindsAFrame() {
    // jaudiotagger alone reads this as a ten-minute MP3: random bytes hold false frame syncs.
    byte[] noise = new byte[4 * 1024 * 1024];
    new Random(5).nextBytes(noise);
    assertThatThrownBy(() -> probeBytes("noise.mp3", noise))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("no run of " + AudioProbe.MPEG_FRAMES_REQUIRED + " MPEG audio frames in the first "
            + AudioProbe.MPEG_SEARCH_BYTES + " bytes of audio");
  }

  @Test
  void findsMpegFramesAfterJunkWithinTheSearchWindow() throws Exception {
    byte[] mp3 = Fixtures.bytes("untagged.mp3");
    byte[] near = new byte[AudioProbe.MPEG_SEARCH_BYTES - 100 + mp3.length];
    System.arraycopy(mp3, 0, near, AudioProbe.MPEG_SEARCH_BYTES - 100, mp3.length);
    assertThat(probeBytes("near.mp3", near).codec()).isEqualTo("mp3");
    byte[] far = new byte[AudioProbe.MPEG_SEARCH_BYTES + 1 + mp3.length];
    System.arraycopy(mp3, 0, far, AudioProbe.MPEG_SEARCH_BYTES + 1, mp3.length);
    assertThatThrownBy(() -> probeBytes("far.mp3", far))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageContaining("MPEG audio frames");
  }

  @Test
  void refusesFlacPictureWithAbsurdLengths() throws Exception {
    ByteArrayOutputStream flac = new ByteArrayOutputStream();
    flac.write("fLaC".getBytes(StandardCharsets.ISO_8859_1));
    byte[] picture = new byte[40];
    ByteBuffer.wrap(picture).putInt(3).putInt(0x7FFFFFF0);
    flac.write(new byte[] {(byte) 0x86, 0, 0, (byte) picture.length});
    flac.write(picture);
    flac.write(new byte[64]);
    assertRefusedCheaply("picture.flac", flac.toByteArray(), "FLAC picture MIME type declares");
  }

  @Test
  void rejectsRandomBytesInEveryFormat() {
    byte[] noise = new byte[5_000];
    new Random(7).nextBytes(noise);
    for (String name : new String[] {"noise.flac", "noise.ogg", "noise.opus", "noise.wav"}) {
      assertThatThrownBy(() -> probeBytes(name, noise))
          .as(name)
          .isInstanceOf(UnreadableFileException.class);
    }
  }

  @Test
  void rejectsEmptyFiles() {
    assertThatThrownBy(() -> probeBytes("empty.flac", new byte[0]))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("empty file");
  }

  @Test
  void rejectsUnknownExtensions() {
    assertThatThrownBy(() -> probeBytes("notes.txt", new byte[] {1}))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageContaining("extension");
  }

  @Test
  void rejectsTruncatedFilesOfEveryFormat() throws Exception {
    for (String name : Fixtures.ALL) {
      if (name.endsWith(".mp3")) {
        continue;
      }
      byte[] whole = Fixtures.bytes(name);
      byte[] cut = Arrays.copyOf(whole, 60);
      assertThatThrownBy(() -> probeBytes("cut-" + name, cut))
          .as(name)
          .isInstanceOf(UnreadableFileException.class);
    }
  }

  @Test
  void rejectsTruncatedId3v2Tag() {
    byte[] cut = Arrays.copyOf(Fixtures.bytes("id3v24.mp3"), 40);
    assertThatThrownBy(() -> probeBytes("cut.mp3", cut))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageContaining("ID3v2 tag declares");
  }

  @Test
  void refusesId3v2TagBeyondTheCapWithoutAllocatingIt() {
    byte[] data = Fixtures.bytes("id3v24.mp3").clone();
    int declared = AudioProbe.MAX_TAG_BYTES + 1;
    data[6] = (byte) (declared >>> 21 & 0x7F);
    data[7] = (byte) (declared >>> 14 & 0x7F);
    data[8] = (byte) (declared >>> 7 & 0x7F);
    data[9] = (byte) (declared & 0x7F);
    assertRefusedCheaply("huge.mp3", data, "the most accepted is " + AudioProbe.MAX_TAG_BYTES);
  }

  private static byte[] syncsafe(int n) {
    return new byte[] {(byte) (n >>> 21 & 0x7F), (byte) (n >>> 14 & 0x7F), (byte) (n >>> 7 & 0x7F),
        (byte) (n & 0x7F)};
  }

  private static byte[] id3Tag(int version, byte[] frames) {
    ByteArrayOutputStream tag = new ByteArrayOutputStream();
    tag.writeBytes(new byte[] {'I', 'D', '3', (byte) version, 0, 0});
    tag.writeBytes(syncsafe(frames.length));
    tag.writeBytes(frames);
    tag.writeBytes(Fixtures.bytes("untagged.mp3"));
    return tag.toByteArray();
  }

  @Test
  void refusesId3v24CompressedFrameDeclaringHugeSize() {
    // jaudiotagger alone allocates over a gigabyte for this 40-byte frame.
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.writeBytes("TIT2".getBytes(StandardCharsets.ISO_8859_1));
    frame.writeBytes(syncsafe(14));
    frame.writeBytes(new byte[] {0, 0x09});
    frame.writeBytes(syncsafe(0x0FFFFFF0));
    frame.writeBytes(new byte[10]);
    assertRefusedCheaply("zip24.mp3", id3Tag(4, frame.toByteArray()),
        "ID3v2 frame TIT2 declares 268435440 bytes decompressed, the most accepted is "
            + AudioProbe.MAX_TAG_BYTES);
  }

  @Test
  void refusesId3v23CompressedFrameDeclaringHugeSizeEvenAfterABrokenFrame() {
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    frames.writeBytes("TPE1".getBytes(StandardCharsets.ISO_8859_1));
    frames.writeBytes(new byte[] {0x70, 0, 0, 0, 0, 0});
    frames.writeBytes("TIT2".getBytes(StandardCharsets.ISO_8859_1));
    frames.writeBytes(new byte[] {0, 0, 0, 14, 0, (byte) 0x80});
    frames.writeBytes(new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0});
    frames.writeBytes(new byte[10]);
    assertRefusedCheaply("zip23.mp3", id3Tag(3, frames.toByteArray()),
        "ID3v2 frame TIT2 declares 2147483632 bytes decompressed");
  }

  @Test
  void acceptsCompressedFramesWithinTheCap() throws Exception {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    byte[] text = "\u0000Small".getBytes(StandardCharsets.ISO_8859_1);
    java.util.zip.Deflater deflater = new java.util.zip.Deflater();
    deflater.setInput(text);
    deflater.finish();
    byte[] packed = new byte[100];
    int n = deflater.deflate(packed);
    frame.writeBytes("TIT2".getBytes(StandardCharsets.ISO_8859_1));
    frame.writeBytes(syncsafe(4 + n));
    frame.writeBytes(new byte[] {0, 0x09});
    frame.writeBytes(syncsafe(text.length));
    frame.write(packed, 0, n);
    assertThat(probeBytes("small.mp3", id3Tag(4, frame.toByteArray())).codec()).isEqualTo("mp3");
  }

  @Test
  void refusesOggVorbisVendorOfTwoGigabytes() {
    byte[] data = Fixtures.bytes("tagged.ogg").clone();
    int at = Bytes.find(data, "\u0003vorbis".getBytes(StandardCharsets.ISO_8859_1)) + 7;
    putLe32(data, at, 0x7FFFFFF0);
    assertRefusedCheaply("huge.ogg", data, "vendor string of 2147483632 bytes");
  }

  @Test
  void refusesFlacCommentOfTwoGigabytes() {
    byte[] data = Fixtures.bytes("tagged.flac").clone();
    int at = Bytes.find(data, "reference libFLAC".getBytes(StandardCharsets.ISO_8859_1)) - 4;
    putLe32(data, at, 0x7FFFFFF0);
    assertRefusedCheaply("huge.flac", data, "vendor string of 2147483632 bytes");
  }

  @Test
  void refusesOpusCommentOfTwoGigabytes() {
    byte[] data = Fixtures.bytes("tagged.opus").clone();
    int at = Bytes.find(data, "title=".getBytes(StandardCharsets.ISO_8859_1)) - 4;
    putLe32(data, at, 0x7FFFFFF0);
    assertRefusedCheaply("huge.opus", data, "declares 2147483632 bytes");
  }

  @Test
  void refusesWavChunkBeyondTheFile() {
    byte[] data = Fixtures.bytes("tagged.wav").clone();
    int at = Bytes.find(data, "LIST".getBytes(StandardCharsets.ISO_8859_1)) + 4;
    putLe32(data, at, 0x7FFFFFF0);
    assertRefusedCheaply("huge.wav", data, "RIFF chunk 'LIST' declares 2147483632 bytes");
  }

  @Test
  void refusesWavChunkBeyondTheCap() throws Exception {
    ByteArrayOutputStream wav = new ByteArrayOutputStream();
    byte[] base = Fixtures.bytes("untagged.wav");
    wav.write(base);
    byte[] header = new byte[8];
    System.arraycopy("junk".getBytes(StandardCharsets.ISO_8859_1), 0, header, 0, 4);
    putLe32(header, 4, AudioProbe.MAX_TAG_BYTES + 2);
    wav.write(header);
    Path file = dir.resolve("junk.wav");
    Files.write(file, wav.toByteArray());
    try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(base.length + 8L + AudioProbe.MAX_TAG_BYTES + 2);
    }
    assertThatThrownBy(() -> AudioProbe.probe(file, Files.size(file)))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageContaining("the most accepted is " + AudioProbe.MAX_TAG_BYTES);
  }

  @Test
  void refusesTooManyFlacBlocks() throws Exception {
    ByteArrayOutputStream flac = new ByteArrayOutputStream();
    flac.write("fLaC".getBytes(StandardCharsets.ISO_8859_1));
    for (int i = 0; i <= AudioProbe.MAX_BLOCKS; i++) {
      flac.write(new byte[] {1, 0, 0, 0});
    }
    flac.write(new byte[64]);
    assertThatThrownBy(() -> probeBytes("blocks.flac", flac.toByteArray()))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("more than " + AudioProbe.MAX_BLOCKS + " FLAC metadata blocks");
  }

  private void assertRefusedCheaply(String name, byte[] data, String message) {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    assertThatThrownBy(() -> probeBytes(name, data))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageContaining(message);
    assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(ALLOWED_ALLOCATION);
  }


  static void putLe32(byte[] data, int at, int value) {
    ByteBuffer.wrap(data, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(value);
  }

  /**
   * Files whose declared sizes make a plain tag library allocate gigabytes: each is refused,
   * quickly, with little allocated (measured on this thread, as the test JVM's large heap would hide
   * an attempt to allocate what the file declares).
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "id3v24-compressed-frame.mp3", "flac-huge-comment.flac", "wav-huge-info-item.wav"})
  void refusesCraftedSizesWithoutAllocatingThem(String name) throws Exception {
    byte[] data;
    try (java.io.InputStream in = getClass().getResourceAsStream("/audio/hostile/" + name)) {
      data = in.readAllBytes();
    }
    Path file = java.nio.file.Files.write(dir.resolve(name), data);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();

    org.junit.jupiter.api.Assertions.assertTimeout(java.time.Duration.ofSeconds(5), () -> {
      try {
        TrackInfo info = AudioProbe.probe(file, data.length);
        // Reading it is fine too, as long as nothing absurd was allocated and no text is huge.
        org.assertj.core.api.Assertions.assertThat(info.title().length()).isLessThanOrEqualTo(AudioProbe.MAX_TEXT_LENGTH);
      } catch (UnreadableFileException expected) {
        org.assertj.core.api.Assertions.assertThat(expected.getMessage()).isNotBlank();
      }
    });
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    org.assertj.core.api.Assertions.assertThat(allocated).as("bytes allocated probing " + name)
        .isLessThan(64L << 20);
  }
}
