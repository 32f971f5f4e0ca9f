package io.loudp2p.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.SearchResult;
import io.loudp2p.TrackId;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.proto.v1.TrackMetadata;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalContentTest {
  @TempDir Path tmp;

  private LocalCatalog catalog;
  private ChunkCache cache;

  @AfterEach
  void tearDown() {
    if (catalog != null) {
      catalog.close();
    }
    if (cache != null) {
      cache.close();
    }
  }

  private static byte[] serveAll(LocalContent.Reader reader) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < reader.manifest().chunkCount(); i++) {
      int length = reader.chunkLength(i);
      for (int off = 0; off < length; off += 1200) {
        ByteBuffer piece = ByteBuffer.allocate(Math.min(1200, length - off));
        reader.read(i, off, piece);
        out.write(piece.array(), 0, piece.capacity());
      }
    }
    return out.toByteArray();
  }

  @Test
  void servesSharedFilesWholeAndByteForByte() throws Exception {
    Path music = Files.createDirectories(tmp.resolve("music"));
    Fixtures.copy("tagged.flac", music, "tagged.flac");
    catalog = LocalCatalog.builder().build();
    catalog.addFolderNow(music);
    List<SearchResult> hits = catalog.search("svefn", 5);
    TrackId id = hits.get(0).track().id();
    LocalContent content = new LocalContent(catalog, null);

    Manifest manifest = content.manifest(id).orElseThrow();

    assertThat(manifest.trackId()).isEqualTo(id);
    assertThat(manifest.metadata().getArtist()).isEqualTo("Sigur Rós");
    assertThat(content.availability(id).cardinality()).isEqualTo(manifest.chunkCount());
    try (LocalContent.Reader reader = content.reader(id).orElseThrow()) {
      assertThat(serveAll(reader)).isEqualTo(Files.readAllBytes(music.resolve("tagged.flac")));
    }
  }

  @Test
  void aTrackPlayedIntoTheCacheIsServedWithItsPartialAvailability() throws Exception {
    byte[] track = new byte[3 * Manifest.CHUNK_SIZE + 10];
    new SplittableRandom(5).nextBytes(track);
    Manifest m = Manifest.ofStream(new ByteArrayInputStream(track), TrackMetadata.getDefaultInstance());
    catalog = LocalCatalog.builder().build();
    cache = ChunkCache.open(tmp.resolve("cache"), 1 << 24);
    cache.put(m);
    cache.writeChunk(m.trackId(), 1, track, Manifest.CHUNK_SIZE, Manifest.CHUNK_SIZE);
    LocalContent content = new LocalContent(catalog, cache);

    assertThat(content.has(m.trackId())).isTrue();
    assertThat(content.availability(m.trackId()).stream()).containsExactly(1);
    try (LocalContent.Reader reader = content.reader(m.trackId()).orElseThrow()) {
      assertThat(reader.chunkLength(0)).isEqualTo(-1);
      assertThat(reader.chunkLength(1)).isEqualTo(Manifest.CHUNK_SIZE);
      ByteBuffer piece = ByteBuffer.allocate(100);
      reader.read(1, 50, piece);
      assertThat(piece.array()).isEqualTo(java.util.Arrays.copyOfRange(track,
          Manifest.CHUNK_SIZE + 50, Manifest.CHUNK_SIZE + 150));
      assertThatThrownBy(() -> reader.read(0, 0, ByteBuffer.allocate(10)))
          .isInstanceOf(IllegalStateException.class);
      assertThat(reader.chunkLength(4)).isEqualTo(-1);
    }
  }

  @Test
  void unknownTracksAndFilesChangedSinceTheScanAreNotServed() throws Exception {
    Path music = Files.createDirectories(tmp.resolve("music"));
    Path file = Fixtures.copy("tagged.flac", music, "tagged.flac");
    catalog = LocalCatalog.builder().build();
    catalog.addFolderNow(music);
    TrackId id = catalog.search("svefn", 5).get(0).track().id();
    LocalContent content = new LocalContent(catalog, null);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 1;
    Files.write(file, bytes);

    assertThat(content.manifest(id)).isEmpty();
    assertThat(content.reader(TrackId.fromBytes(new byte[32]))).isEmpty();
    assertThat(content.availability(TrackId.fromBytes(new byte[32])).isEmpty()).isTrue();
  }
}
