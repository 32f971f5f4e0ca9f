package io.loudp2p.core.catalog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.TrackHasher;
import io.loudp2p.core.content.MerkleTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MerkleTrackHasherTest {
  @TempDir Path dir;

  @Test
  void hashesSixteenKibChunksIntoTheMerkleRoot() throws Exception {
    byte[] data = new byte[3 * TrackHasher.CHUNK_SIZE + 100];
    new Random(3).nextBytes(data);
    Path file = Files.write(dir.resolve("a.flac"), data);
    List<byte[]> chunks = new ArrayList<>();
    for (int off = 0; off < data.length; off += TrackHasher.CHUNK_SIZE) {
      chunks.add(java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + TrackHasher.CHUNK_SIZE)));
    }
    TrackId expected = TrackId.fromBytes(MerkleTree.fromLeaves(chunks).root());
    assertThat(TrackHasher.merkle().hash(file, data.length)).isEqualTo(expected);
  }

  @Test
  void failsWhenTheFileIsNotTheSizeTheScanSaw() throws Exception {
    Path file = Files.write(dir.resolve("a.flac"), new byte[1000]);
    assertThatThrownBy(() -> TrackHasher.merkle().hash(file, 999))
        .isInstanceOf(IOException.class)
        .hasMessage("file changed while being read: expected 999 bytes, found more");
    assertThatThrownBy(() -> TrackHasher.merkle().hash(file, 1001))
        .isInstanceOf(IOException.class)
        .hasMessage("file changed while being read: expected 1001 bytes, read 1000");
    assertThatThrownBy(() -> TrackHasher.merkle().hash(file, 0))
        .isInstanceOf(IOException.class);
  }
}
