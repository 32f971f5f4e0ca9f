package io.loudp2p.examples.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Track;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.catalog.LocalCatalog;
import io.loudp2p.examples.audio.SynthesizedMusic.TrackSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthesizedMusicTest {
  @TempDir Path tmp;

  @Test
  void theCatalogReadsTitleArtistAlbumNumberAndDurationOfEveryDemoTrack() throws Exception {
    List<TrackSpec> specs = SynthesizedMusic.demoTracks();
    List<Path> files = SynthesizedMusic.writeAll(tmp, specs);

    try (LocalCatalog catalog = LocalCatalog.builder().build()) {
      catalog.addFolderNow(tmp);
      assertThat(catalog.size()).isEqualTo(specs.size());
      for (int i = 0; i < specs.size(); i++) {
        TrackSpec spec = specs.get(i);
        Track track = catalog.search(spec.title(), 10).get(0).track();
        TrackInfo info = track.info();
        assertThat(info.title()).isEqualTo(spec.title());
        assertThat(info.artist()).isEqualTo(spec.artist());
        assertThat(info.album()).isEqualTo(spec.album());
        assertThat(info.trackNumber()).isEqualTo(spec.trackNumber());
        assertThat(info.duration()).isBetween(
            spec.length().minusMillis(50), spec.length().plusMillis(50));
        assertThat(info.codec()).isEqualTo("wav");
        assertThat(info.mediaType()).isEqualTo("audio/wav");
        assertThat(info.sampleRateHz()).isEqualTo(SynthesizedMusic.SAMPLE_RATE);
        assertThat(track.size()).isEqualTo(Files.size(files.get(i)));
        assertThat(catalog.fileOf(track.id()).orElseThrow().path()).isEqualTo(files.get(i));
      }
    }
  }

  @Test
  void keepsTextOutsideAsciiInTheTags() throws Exception {
    TrackSpec spec = new TrackSpec("Café Ñandú", "Björk-ish", "Ø", 3, "", Duration.ofSeconds(2), 9);
    SynthesizedMusic.write(tmp, spec);
    try (LocalCatalog catalog = LocalCatalog.builder().build()) {
      catalog.addFolderNow(tmp);
      TrackInfo info = catalog.search("cafe", 10).get(0).track().info();
      assertThat(info.title()).isEqualTo("Café Ñandú");
      assertThat(info.artist()).isEqualTo("Björk-ish");
      assertThat(info.album()).isEqualTo("Ø");
    }
  }

  @Test
  void theSameSpecGivesTheSameBytesAndAnotherSeedOtherMusic() {
    TrackSpec spec = SynthesizedMusic.demoTracks().get(0);
    byte[] once = SynthesizedMusic.wav(spec);
    assertThat(SynthesizedMusic.wav(spec)).isEqualTo(once);
    TrackSpec reseeded = new TrackSpec(spec.title(), spec.artist(), spec.album(),
        spec.trackNumber(), spec.genre(), spec.length(), spec.seed() + 1);
    assertThat(SynthesizedMusic.wav(reseeded)).isNotEqualTo(once).hasSameSizeAs(once);
  }

  @Test
  void isMusicNotSilenceNorClipping() {
    short[] pcm = SynthesizedMusic.render(SynthesizedMusic.demoTracks().get(2));
    double sumSquares = 0;
    int peak = 0;
    for (short s : pcm) {
      sumSquares += (double) s * s;
      peak = Math.max(peak, Math.abs(s));
    }
    double rms = Math.sqrt(sumSquares / pcm.length);
    assertThat(rms).isBetween(1_000.0, 15_000.0);
    assertThat(peak).isLessThan(Short.MAX_VALUE);
  }

  @Test
  void refusesABlankTitleAndLengthsOutOfRange() {
    assertThatThrownBy(() -> new TrackSpec(" ", "", "", 0, "", Duration.ofSeconds(5), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TrackSpec("x", "", "", 0, "", Duration.ofMillis(10), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TrackSpec("x", "", "", 0, "", Duration.ofHours(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
