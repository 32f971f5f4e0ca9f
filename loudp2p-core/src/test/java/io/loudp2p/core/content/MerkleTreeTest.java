package io.loudp2p.core.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The reference data is Certificate Transparency's Merkle tree test vectors (the eight leaves and
 * roots of merkle_tree_test.cc, reused by Trillian's and Go's RFC 6962 implementations).
 */
class MerkleTreeTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String[] LEAVES = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"
  };
  private static final String[] ROOTS = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };

  private static List<byte[]> leaves(int n) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(HEX.parseHex(LEAVES[i]));
    }
    return out;
  }

  @Test
  void reproducesCertificateTransparencyReferenceRoots() {
    for (int n = 1; n <= 8; n++) {
      assertThat(HEX.formatHex(MerkleTree.fromLeaves(leaves(n)).root()))
          .as("root of the first %d leaves", n).isEqualTo(ROOTS[n - 1]);
    }
  }

  @Test
  void emptyTreeIsTheHashOfNothing() {
    assertThat(HEX.formatHex(MerkleTree.fromLeaves(List.of()).root()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void reproducesCertificateTransparencyReferenceAuditPaths() {
    MerkleTree eight = MerkleTree.fromLeaves(leaves(8));
    assertThat(eight.auditPath(0)).extracting(HEX::formatHex).containsExactly(
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
    assertThat(eight.auditPath(5)).extracting(HEX::formatHex).containsExactly(
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assertThat(MerkleTree.fromLeaves(leaves(3)).auditPath(2)).extracting(HEX::formatHex)
        .containsExactly("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    assertThat(MerkleTree.fromLeaves(leaves(5)).auditPath(1)).extracting(HEX::formatHex)
        .containsExactly(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  }

  @Test
  void everyAuditPathOfEverySizeVerifiesAndAnyChangeFails() {
    SplittableRandom random = new SplittableRandom(6962);
    for (int n = 1; n <= 40; n++) {
      List<byte[]> data = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] leaf = new byte[random.nextInt(0, 40)];
        random.nextBytes(leaf);
        data.add(leaf);
      }
      MerkleTree tree = MerkleTree.fromLeaves(data);
      byte[] root = tree.root();
      for (int i = 0; i < n; i++) {
        List<byte[]> path = tree.auditPath(i);
        assertThat(MerkleTree.verify(root, n, i, data.get(i), path)).as("leaf %d of %d", i, n).isTrue();

        byte[] changed = java.util.Arrays.copyOf(data.get(i), data.get(i).length + 1);
        assertThat(MerkleTree.verify(root, n, i, changed, path)).isFalse();
        if (n > 1) {
          assertThat(MerkleTree.verify(root, n, (i + 1) % n, data.get(i), path)).isFalse();
          // A size that leaves the index outside the tree; other sizes may share the path's shape.
          assertThat(MerkleTree.verify(root, i, i, data.get(i), path)).isFalse();
          List<byte[]> flipped = new ArrayList<>(path);
          byte[] first = flipped.get(0).clone();
          first[random.nextInt(32)] ^= (byte) (1 << random.nextInt(8));
          flipped.set(0, first);
          assertThat(MerkleTree.verify(root, n, i, data.get(i), flipped)).isFalse();
          assertThat(MerkleTree.verify(root, n, i, data.get(i), path.subList(0, path.size() - 1))).isFalse();
        }
      }
    }
  }

  @Test
  void verifyNeverThrowsOnMalformedInput() {
    byte[] root = new byte[32];
    assertThat(MerkleTree.verify(root, 0, 0, new byte[1], List.of())).isFalse();
    assertThat(MerkleTree.verify(root, 4, -1, new byte[1], List.of())).isFalse();
    assertThat(MerkleTree.verify(new byte[3], 1, 0, new byte[1], List.of())).isFalse();
    assertThat(MerkleTree.verify(root, 2, 0, new byte[1], List.of(new byte[7]))).isFalse();
  }

  @Test
  void leafHashesGiveTheSameTreeAsLeaves() {
    MerkleTree fromData = MerkleTree.fromLeaves(leaves(7));
    List<byte[]> hashes = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      hashes.add(fromData.leafHashAt(i));
    }
    assertThat(MerkleTree.fromLeafHashes(hashes)).isEqualTo(fromData);
    byte[] concatenated = new byte[7 * 32];
    for (int i = 0; i < 7; i++) {
      System.arraycopy(hashes.get(i), 0, concatenated, i * 32, 32);
    }
    assertThat(MerkleTree.fromConcatenatedLeafHashes(concatenated)).isEqualTo(fromData);
    assertThat(MerkleTree.fromConcatenatedLeafHashes(concatenated).auditPath(5))
        .extracting(HEX::formatHex)
        .containsExactlyElementsOf(fromData.auditPath(5).stream().map(HEX::formatHex).toList());
    assertThatThrownBy(() -> MerkleTree.fromLeafHashes(List.of(new byte[31])))
        .hasMessageContaining("31 bytes");
    assertThatThrownBy(() -> MerkleTree.fromConcatenatedLeafHashes(new byte[33]))
        .hasMessageContaining("not a multiple of 32");
  }

  @Test
  void hashChunksStreamsFixedSizeChunksWithAShorterLast() throws Exception {
    byte[] data = new byte[2 * 16384 + 100];
    new SplittableRandom(1).nextBytes(data);
    List<byte[]> hashes = MerkleTree.hashChunks(new ByteArrayInputStream(data), 16384);

    assertThat(hashes).hasSize(3);
    assertThat(hashes.get(2)).isEqualTo(MerkleTree.leafHash(data, 2 * 16384, 100));
    assertThat(MerkleTree.hashChunks(new ByteArrayInputStream(new byte[0]), 16384)).isEmpty();
    assertThat(MerkleTree.hashChunks(new ByteArrayInputStream(new byte[16384]), 16384)).hasSize(1);
  }

  @Test
  void largeTreeBuildsWithoutRecursion() {
    List<byte[]> hashes = new ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      byte[] h = new byte[32];
      h[0] = (byte) i;
      h[1] = (byte) (i >> 8);
      h[2] = (byte) (i >> 16);
      hashes.add(h);
    }
    MerkleTree tree = MerkleTree.fromLeafHashes(hashes);
    assertThat(MerkleTree.verifyLeafHash(tree.root(), 200_000, 123_457, hashes.get(123_457),
        tree.auditPath(123_457))).isTrue();
  }
}
