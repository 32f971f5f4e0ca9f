package io.loudp2p.core.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.loudp2p.TrackId;
import io.loudp2p.core.proto.v1.TrackMetadata;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
  private static final TrackMetadata META =
      TrackMetadata.newBuilder().setTitle("Hoppípolla").setArtist("Sigur Rós").build();

  @TempDir Path dir;

  private static byte[] track(int size) {
    byte[] data = new byte[size];
    new SplittableRandom(size).nextBytes(data);
    return data;
  }

  @Test
  void trackIdIsTheMerkleRootOverSixteenKibChunks() throws Exception {
    byte[] data = track(3 * Manifest.CHUNK_SIZE + 5);
    Manifest manifest = Manifest.ofStream(new ByteArrayInputStream(data), META);

    List<byte[]> chunks = new ArrayList<>();
    for (int off = 0; off < data.length; off += Manifest.CHUNK_SIZE) {
      chunks.add(java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + Manifest.CHUNK_SIZE)));
    }
    assertThat(manifest.trackId().bytes()).isEqualTo(MerkleTree.fromLeaves(chunks).root());
    assertThat(manifest.chunkCount()).isEqualTo(4);
    assertThat(manifest.chunkLength(3)).isEqualTo(5);
    assertThat(manifest.chunkLength(0)).isEqualTo(Manifest.CHUNK_SIZE);
    assertThat(manifest.chunkAt(data.length - 1)).isEqualTo(3);
  }

  @Test
  void ofFileEqualsOfStream() throws Exception {
    byte[] data = track(100_000);
    Path file = Files.write(dir.resolve("t.flac"), data);

    assertThat(Manifest.ofFile(file, META)).isEqualTo(Manifest.ofStream(new ByteArrayInputStream(data), META));
  }

  @Test
  void roundTripsThroughTheWireAndChecksTheTrackId() throws Exception {
    Manifest manifest = Manifest.ofStream(new ByteArrayInputStream(track(40_000)), META);

    Manifest back = Manifest.fromProto(manifest.toProto(), manifest.trackId());

    assertThat(back).isEqualTo(manifest);
    assertThat(back.metadata().getArtist()).isEqualTo("Sigur Rós");
  }

  @Test
  void verifiesChunksAndRefusesChangedOnes() throws Exception {
    byte[] data = track(2 * Manifest.CHUNK_SIZE + 7);
    Manifest manifest = Manifest.ofStream(new ByteArrayInputStream(data), META);

    assertThat(manifest.verifyChunk(1, data, Manifest.CHUNK_SIZE, Manifest.CHUNK_SIZE)).isTrue();
    assertThat(manifest.verifyChunk(2, data, 2 * Manifest.CHUNK_SIZE, 7)).isTrue();
    assertThat(manifest.verifyChunk(0, data, Manifest.CHUNK_SIZE, Manifest.CHUNK_SIZE)).isFalse();
    assertThat(manifest.verifyChunk(2, data, 2 * Manifest.CHUNK_SIZE, 6)).isFalse();
    assertThat(manifest.verifyChunk(3, data, 0, 7)).isFalse();
    data[5] ^= 1;
    assertThat(manifest.verifyChunk(0, data, 0, Manifest.CHUNK_SIZE)).isFalse();
  }

  @Test
  void auditPathsOfTheManifestVerifyAgainstTheTrackIdAlone() throws Exception {
    byte[] data = track(5 * Manifest.CHUNK_SIZE);
    Manifest manifest = Manifest.ofStream(new ByteArrayInputStream(data), META);
    byte[] chunk3 = java.util.Arrays.copyOfRange(data, 3 * Manifest.CHUNK_SIZE, 4 * Manifest.CHUNK_SIZE);

    assertThat(MerkleTree.verify(manifest.trackId().bytes(), 5, 3, chunk3, manifest.auditPath(3))).isTrue();
  }

  @Test
  void refusesManifestsThatDoNotMatchOrAreAbsurd() throws Exception {
    Manifest good = Manifest.ofStream(new ByteArrayInputStream(track(40_000)), META);
    var proto = good.toProto();
    TrackId other = TrackId.fromBytes(new byte[32]);
    byte[] hashes = proto.getLeafHashes().toByteArray();
    byte[] changed = hashes.clone();
    changed[0] ^= 1;

    assertReason(() -> Manifest.fromProto(proto, other), ManifestException.Reason.BAD_TRACK_ID);
    assertReason(() -> Manifest.of(good.trackId(), good.size(), good.size() > 0 ? 16384 : 0, changed, META),
        ManifestException.Reason.ROOT_MISMATCH);
    assertReason(() -> Manifest.of(good.trackId(), good.size(), 1024, hashes, META),
        ManifestException.Reason.BAD_CHUNK_SIZE);
    assertReason(() -> Manifest.of(good.trackId(), good.size(), 16384,
        java.util.Arrays.copyOf(hashes, hashes.length - 1), META), ManifestException.Reason.BAD_LEAF_HASHES);
    assertReason(() -> Manifest.of(good.trackId(), good.size() + 16384, 16384, hashes, META),
        ManifestException.Reason.SIZE_MISMATCH);
    assertReason(() -> Manifest.of(good.trackId(), Manifest.MAX_TRACK_BYTES + 1, 16384, hashes, META),
        ManifestException.Reason.TOO_LARGE);
    assertReason(() -> Manifest.of(good.trackId(), -1, 16384, hashes, META),
        ManifestException.Reason.TOO_LARGE);
    assertReason(() -> Manifest.fromProto(proto.toBuilder().setLeafHashes(ByteString.EMPTY).build(),
        good.trackId()), ManifestException.Reason.SIZE_MISMATCH);
  }

  @Test
  void emptyTrackHasNoChunksAndTheEmptyRoot() throws Exception {
    Manifest empty = Manifest.ofStream(new ByteArrayInputStream(new byte[0]), META);

    assertThat(empty.chunkCount()).isZero();
    assertThat(empty.trackId().bytes()).isEqualTo(MerkleTree.fromLeaves(List.of()).root());
    assertThat(Manifest.fromProto(empty.toProto(), empty.trackId()).size()).isZero();
  }

  private interface Call {
    void run() throws Exception;
  }

  private static void assertReason(Call call, ManifestException.Reason reason) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(ManifestException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
