package io.loudp2p;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrackInfoTest {
  private static TrackInfo halo() {
    return TrackInfo.builder("Halo")
        .artist("Beyoncé")
        .album("I Am... Sasha Fierce")
        .trackNumber(3)
        .duration(Duration.ofSeconds(261))
        .codec("MP3")
        .bitrateKbps(320)
        .sampleRateHz(44_100)
        .mediaType("audio/mpeg")
        .build();
  }

  @Test
  void equalByContentAndRebuildable() {
    assertThat(halo()).isEqualTo(halo()).hasSameHashCodeAs(halo());
    assertThat(halo().toBuilder().build()).isEqualTo(halo());
    assertThat(halo().toBuilder().trackNumber(4).build()).isNotEqualTo(halo());
    assertThat(halo().toString()).contains("title=Halo", "artist=Beyoncé");
  }

  @Test
  void unknownFieldsStartEmpty() {
    TrackInfo info = TrackInfo.builder("x").build();
    assertThat(info.artist()).isEmpty();
    assertThat(info.album()).isEmpty();
    assertThat(info.trackNumber()).isZero();
    assertThat(info.duration()).isEqualTo(Duration.ZERO);
    assertThat(info.mediaType()).isEmpty();
  }

  @Test
  void rejectsBadValuesNamingThem() {
    assertThatThrownBy(() -> TrackInfo.builder(" ")).hasMessageContaining("title");
    assertThatThrownBy(() -> TrackInfo.builder("x").trackNumber(-1))
        .hasMessageContaining("track number");
    assertThatThrownBy(() -> TrackInfo.builder("x").bitrateKbps(-1)).hasMessageContaining("bitrate");
    assertThatThrownBy(() -> TrackInfo.builder("x").sampleRateHz(-1))
        .hasMessageContaining("sample rate");
    assertThatThrownBy(() -> TrackInfo.builder("x").duration(Duration.ofSeconds(-1)))
        .hasMessageContaining("duration");
    TrackId id = TrackId.fromBytes(new byte[32]);
    assertThatThrownBy(() -> new Track(id, 0, halo())).hasMessageContaining("size 0");
    assertThatThrownBy(() -> new SearchResult(new Track(id, 1, halo()), 0))
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> new ScanReport(-1, 0, 0, 0, List.of()))
        .hasMessageContaining("added=-1");
  }

  @Test
  void scanReportCopiesItsList() {
    List<ScanReport.SkippedFile> skipped = new ArrayList<>();
    skipped.add(new ScanReport.SkippedFile(Path.of("a.mp3"), "empty file"));
    ScanReport report = new ScanReport(1, 0, 0, 0, skipped);
    skipped.clear();
    assertThat(report.skipped()).hasSize(1);
  }
}
