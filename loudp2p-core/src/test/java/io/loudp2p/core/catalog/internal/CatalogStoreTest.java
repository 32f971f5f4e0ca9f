package io.loudp2p.core.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogStoreTest {
  @TempDir Path dir;

  private static CatalogEntry entry(String path, int seed) {
    return entry(path, seed, "flac");
  }

  private static CatalogEntry entry(String path, int seed, String codec) {
    byte[] id = new byte[TrackId.LENGTH];
    id[0] = (byte) seed;
    TrackInfo info =
        TrackInfo.builder("Título " + seed)
            .artist("Sigur Rós")
            .album("Takk...")
            .trackNumber(seed)
            .duration(Duration.ofMillis(1234 + seed))
            .codec(codec)
            .bitrateKbps(900)
            .sampleRateHz(44_100)
            .mediaType("audio/flac")
            .build();
    return new CatalogEntry(Path.of(path), 5000 + seed, 1_700_000_000_000_000_000L + seed,
        new Track(TrackId.fromBytes(id), 5000 + seed, info));
  }

  @Test
  void roundTripsAndLeavesNoTemporaryFiles() throws Exception {
    Path file = dir.resolve("catalog.bin");
    CatalogStore.Contents contents =
        new CatalogStore.Contents(
            List.of(Path.of("/music"), Path.of("/more music")),
            List.of(entry("/music/a.flac", 1), entry("/more music/ü.flac", 2)));
    CatalogStore.save(file, contents);
    CatalogStore.save(file, contents);
    assertThat(CatalogStore.load(file)).contains(contents);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void codecNamesAnOlderCatalogStoredReadAsTheWireNamesThemToday() throws Exception {
    Path file = dir.resolve("catalog.bin");
    List<String> stored = List.of("FLAC", "PCM", "Vorbis", "Opus", "MP3", "aac");
    List<CatalogEntry> entries = new java.util.ArrayList<>();
    for (int i = 0; i < stored.size(); i++) {
      entries.add(entry("/music/" + i, i, stored.get(i)));
    }
    CatalogStore.save(file, new CatalogStore.Contents(List.of(Path.of("/music")), entries));
    assertThat(CatalogStore.load(file).orElseThrow().entries())
        .extracting(e -> e.track().info().codec())
        .containsExactly("flac", "wav", "vorbis", "opus", "mp3", "aac");
  }

  @Test
  void missingFileLoadsAsNothing() {
    assertThat(CatalogStore.load(dir.resolve("none.bin"))).isEmpty();
  }

  @Test
  void rejectsForeignMagicAndOtherVersions() throws Exception {
    assertThatThrownBy(() -> CatalogStore.parse(withCrc(header(0x12345678, 1), 0, 0)))
        .hasMessageContaining("not a catalog file");
    assertThatThrownBy(() -> CatalogStore.parse(withCrc(header(CatalogStore.MAGIC, 2), 0, 0)))
        .hasMessageContaining("unsupported catalog version 2");
    assertThat(CatalogStore.parse(withCrc(header(CatalogStore.MAGIC, 1), 0, 0)).entries()).isEmpty();
  }

  @Test
  void rejectsCountsBeyondTheLimits() throws Exception {
    byte[] h = header(CatalogStore.MAGIC, CatalogStore.VERSION);
    assertThatThrownBy(() -> CatalogStore.parse(withCrc(h, CatalogStore.MAX_FOLDERS + 1, 0)))
        .hasMessageContaining("the most is " + CatalogStore.MAX_FOLDERS);
    assertThatThrownBy(() -> CatalogStore.parse(withCrc(h, 0, CatalogStore.MAX_ENTRIES + 1)))
        .hasMessageContaining("the most is " + CatalogStore.MAX_ENTRIES);
    assertThatThrownBy(() -> CatalogStore.parse(withCrc(h, 0, -1)))
        .hasMessageContaining("declares -1 entries");
  }

  @Test
  void rejectsStringsBeyondTheLimit() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(header(CatalogStore.MAGIC, CatalogStore.VERSION));
    out.writeInt(1);
    out.writeInt(CatalogStore.MAX_STRING_BYTES + 1);
    out.write(new byte[CatalogStore.MAX_STRING_BYTES + 1]);
    out.writeInt(0);
    assertThatThrownBy(() -> CatalogStore.parse(crc(bytes.toByteArray())))
        .hasMessageContaining("string declares " + (CatalogStore.MAX_STRING_BYTES + 1));
    Path file = dir.resolve("long.bin");
    String longPath = "/" + "x".repeat(CatalogStore.MAX_STRING_BYTES);
    assertThatThrownBy(
            () -> CatalogStore.save(file, new CatalogStore.Contents(List.of(Path.of(longPath)), List.of())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the most stored is " + CatalogStore.MAX_STRING_BYTES);
  }

  @Test
  void ignoresFilesBeyondTheSizeLimit() throws Exception {
    Path file = dir.resolve("huge.bin");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(CatalogStore.MAX_FILE_BYTES + 1);
    }
    assertThat(CatalogStore.load(file)).isEqualTo(Optional.empty());
  }

  @Test
  void ignoresTrailingBytesAndBlankTitles() throws Exception {
    Path file = dir.resolve("catalog.bin");
    CatalogEntry e = entry("/a.flac", 1);
    Track plain = new Track(e.track().id(), e.size(), e.track().info().toBuilder().title("Plain").build());
    CatalogEntry plainEntry = new CatalogEntry(e.path(), e.size(), e.modifiedNs(), plain);
    CatalogStore.save(file, new CatalogStore.Contents(List.of(), List.of(plainEntry)));
    byte[] saved = Files.readAllBytes(file);
    byte[] body = java.util.Arrays.copyOf(saved, saved.length - 4);
    byte[] longer = crc(concat(body, new byte[] {0}));
    assertThatThrownBy(() -> CatalogStore.parse(longer)).hasMessageContaining("unexpected bytes");
    String text = new String(body, StandardCharsets.ISO_8859_1).replace("Plain", "     ");
    byte[] blank = crc(text.getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> CatalogStore.parse(blank)).isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] header(int magic, int version) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    out.writeInt(version);
    return bytes.toByteArray();
  }

  private static byte[] withCrc(byte[] header, int folders, int entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(header);
    out.writeInt(folders);
    out.writeInt(entries);
    return crc(bytes.toByteArray());
  }

  private static byte[] crc(byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(body);
    int v = (int) crc.getValue();
    return concat(body, new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
