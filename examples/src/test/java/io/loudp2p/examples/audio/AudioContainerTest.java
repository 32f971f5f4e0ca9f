package io.loudp2p.examples.audio;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AudioContainerTest {
  private static byte[] bytes(String ascii, int... more) {
    byte[] a = ascii.getBytes(StandardCharsets.ISO_8859_1);
    byte[] b = Arrays.copyOf(a, a.length + more.length);
    for (int i = 0; i < more.length; i++) {
      b[a.length + i] = (byte) more[i];
    }
    return b;
  }

  /** The first Ogg page: a 27-byte header whose last byte counts the segments, then the table, then the packet. */
  private static byte[] oggFirstPage(int segments, String packet) {
    byte[] header = new byte[27 + segments];
    System.arraycopy("OggS".getBytes(StandardCharsets.ISO_8859_1), 0, header, 0, 4);
    header[5] = 2; // beginning of stream
    header[26] = (byte) segments;
    Arrays.fill(header, 27, 27 + segments, (byte) 19);
    byte[] p = packet.getBytes(StandardCharsets.ISO_8859_1);
    byte[] page = Arrays.copyOf(header, header.length + p.length);
    System.arraycopy(p, 0, page, header.length, p.length);
    return page;
  }

  @Test
  void synthesizedWavIsWav() {
    byte[] wav = SynthesizedMusic.wav(new SynthesizedMusic.TrackSpec("T", "", "", 0, "",
        Duration.ofSeconds(1), 1));
    assertThat(AudioContainer.sniff(Arrays.copyOf(wav, AudioContainer.SNIFF_LENGTH)))
        .isEqualTo(AudioContainer.WAV);
    assertThat(AudioContainer.WAV.mediaType()).isEqualTo("audio/wav");
    assertThat(AudioContainer.WAV.extension()).isEqualTo(".wav");
  }

  @Test
  void eachKnownContainerIsToldFromItsFirstBytes() {
    assertThat(AudioContainer.sniff(bytes("RIFF\0\0\0\0WAVEfmt "))).isEqualTo(AudioContainer.WAV);
    assertThat(AudioContainer.sniff(bytes("fLaC\0\0\0\"")).mediaType()).isEqualTo("audio/flac");
    assertThat(AudioContainer.sniff(oggFirstPage(1, "OpusHead\1\2"))).isEqualTo(AudioContainer.OGG_OPUS);
    assertThat(AudioContainer.sniff(oggFirstPage(3, "OpusHead"))).isEqualTo(AudioContainer.OGG_OPUS);
    assertThat(AudioContainer.sniff(oggFirstPage(255, "OpusHead")).extension()).isEqualTo(".opus");
    assertThat(AudioContainer.sniff(oggFirstPage(1, "\1vorbis\0\0"))).isEqualTo(AudioContainer.OGG);
    assertThat(AudioContainer.sniff(bytes("OggS"))).isEqualTo(AudioContainer.OGG);
    assertThat(AudioContainer.OGG_OPUS.mediaType()).isEqualTo("audio/ogg");
    assertThat(AudioContainer.sniff(bytes("ID3", 4, 0, 0))).isEqualTo(AudioContainer.MP3);
    // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz.
    assertThat(AudioContainer.sniff(bytes("", 0xff, 0xfb, 0x90, 0x64))).isEqualTo(AudioContainer.MP3);
    assertThat(AudioContainer.MP3.mediaType()).isEqualTo("audio/mpeg");
  }

  @Test
  void anythingElseIsUnknownOctetsWithoutAnExtension() {
    for (byte[] head : new byte[][] {
        new byte[0], bytes("RIFF"), bytes("RIFF\0\0\0\0AVI "), bytes("fLa"), bytes("ID"),
        bytes("", 0xff, 0xf1, 0x50), // ADTS AAC: layer 00
        bytes("", 0xff, 0xfb, 0xf0), // bitrate index 1111
        bytes("", 0xff, 0xeb, 0x90), // reserved MPEG version
        bytes("<!doctype html>"), bytes("PK\3\4")}) {
      AudioContainer c = AudioContainer.sniff(head);
      assertThat(c).as(Arrays.toString(head)).isEqualTo(AudioContainer.UNKNOWN);
    }
    assertThat(AudioContainer.UNKNOWN.mediaType()).isEqualTo("application/octet-stream");
    assertThat(AudioContainer.UNKNOWN.extension()).isEmpty();
  }

  @Test
  void catalogMediaTypesAndCodecsNameTheSameContainers() {
    assertThat(AudioContainer.of("audio/wav", "wav")).isEqualTo(AudioContainer.WAV);
    assertThat(AudioContainer.of("audio/ogg", "opus")).isEqualTo(AudioContainer.OGG_OPUS);
    assertThat(AudioContainer.of("audio/ogg", "vorbis")).isEqualTo(AudioContainer.OGG);
    assertThat(AudioContainer.of("Audio/MPEG; x=1", "mp3")).isEqualTo(AudioContainer.MP3);
    assertThat(AudioContainer.of("audio/flac", "")).isEqualTo(AudioContainer.FLAC);
    assertThat(AudioContainer.of("", "")).isEqualTo(AudioContainer.UNKNOWN);
    assertThat(AudioContainer.of("video/mp4", "AAC")).isEqualTo(AudioContainer.UNKNOWN);
  }
}
