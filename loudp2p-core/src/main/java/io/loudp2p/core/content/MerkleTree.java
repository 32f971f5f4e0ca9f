package io.loudp2p.core.content;

import io.loudp2p.core.internal.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * An RFC 6962 Merkle tree over a track's chunks, with SHA-256: leaf hash {@code H(0x00 || data)},
 * node hash {@code H(0x01 || left || right)}, split at the largest power of two below the size,
 * and the empty tree hashed as {@code H()}.
 *
 * <p>The root is a track's ID. An audit path lets anyone check one chunk against the root alone,
 * so a light client needs no full manifest. Immutable and thread-safe; building is iterative, so
 * a tree of millions of leaves needs no deep recursion.
 */
public final class MerkleTree {
  /** Length of every hash. */
  public static final int HASH_LENGTH = 32;

  private static final byte LEAF_PREFIX = 0x00;
  private static final byte NODE_PREFIX = 0x01;

  /**
   * {@code levels.get(0)} are the leaf hashes; each higher level pairs the one below, carrying an
   * odd last node up unchanged, which gives exactly RFC 6962's split at the largest power of two.
   */
  private final List<byte[][]> levels;

  private final byte[] root;

  private MerkleTree(byte[][] leafHashes) {
    this.levels = new ArrayList<>();
    levels.add(leafHashes);
    MessageDigest sha256 = sha256();
    byte[][] level = leafHashes;
    while (level.length > 1) {
      byte[][] up = new byte[(level.length + 1) / 2][];
      for (int i = 0; i + 1 < level.length; i += 2) {
        up[i / 2] = nodeHash(sha256, level[i], level[i + 1]);
      }
      if (level.length % 2 == 1) {
        up[up.length - 1] = level[level.length - 1];
      }
      levels.add(up);
      level = up;
    }
    this.root = leafHashes.length == 0 ? sha256.digest() : level[0];
  }

  /** The tree over these leaves (each is hashed as a leaf). */
  public static MerkleTree fromLeaves(List<byte[]> leafData) {
    MessageDigest sha256 = sha256();
    byte[][] hashes = new byte[leafData.size()][];
    for (int i = 0; i < hashes.length; i++) {
      byte[] data = leafData.get(i);
      hashes[i] = leafHash(sha256, data, 0, data.length);
    }
    return new MerkleTree(hashes);
  }

  /**
   * The tree over leaves known by their leaf hashes.
   *
   * @throws IllegalArgumentException when a hash is not 32 bytes
   */
  public static MerkleTree fromLeafHashes(List<byte[]> leafHashes) {
    byte[][] hashes = new byte[leafHashes.size()][];
    for (int i = 0; i < hashes.length; i++) {
      byte[] h = leafHashes.get(i);
      if (h.length != HASH_LENGTH) {
        throw new IllegalArgumentException(
            "leaf hash " + i + " has " + h.length + " bytes, expected " + HASH_LENGTH);
      }
      hashes[i] = h.clone();
    }
    return new MerkleTree(hashes);
  }

  /**
   * The tree over leaf hashes given as one array, 32 bytes each, in order (each is copied once).
   *
   * @throws IllegalArgumentException when the length is not a multiple of 32
   */
  public static MerkleTree fromConcatenatedLeafHashes(byte[] concatenated) {
    if (concatenated.length % HASH_LENGTH != 0) {
      throw new IllegalArgumentException(
          concatenated.length + " bytes of leaf hashes is not a multiple of " + HASH_LENGTH);
    }
    byte[][] hashes = new byte[concatenated.length / HASH_LENGTH][];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = Arrays.copyOfRange(concatenated, i * HASH_LENGTH, (i + 1) * HASH_LENGTH);
    }
    return new MerkleTree(hashes);
  }

  /**
   * Hashes a stream's chunks of {@code chunkSize} bytes (the last may be shorter) as leaves,
   * reading it once without holding more than one chunk.
   *
   * @return the leaf hashes, in order
   */
  public static List<byte[]> hashChunks(InputStream in, int chunkSize) throws IOException {
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunk size must be positive: " + chunkSize);
    }
    MessageDigest sha256 = sha256();
    byte[] buffer = new byte[chunkSize];
    List<byte[]> hashes = new ArrayList<>();
    while (true) {
      int filled = in.readNBytes(buffer, 0, chunkSize);
      if (filled == 0) {
        return hashes;
      }
      hashes.add(leafHash(sha256, buffer, 0, filled));
      if (filled < chunkSize) {
        return hashes;
      }
    }
  }

  /** {@code SHA-256(0x00 || data[offset, offset + length))}. */
  public static byte[] leafHash(byte[] data, int offset, int length) {
    return leafHash(sha256(), data, offset, length);
  }

  static byte[] leafHash(MessageDigest sha256, byte[] data, int offset, int length) {
    sha256.update(LEAF_PREFIX);
    sha256.update(data, offset, length);
    return sha256.digest();
  }

  private static byte[] nodeHash(MessageDigest sha256, byte[] left, byte[] right) {
    sha256.update(NODE_PREFIX);
    sha256.update(left);
    sha256.update(right);
    return sha256.digest();
  }

  /** The number of leaves. */
  public int size() {
    return levels.get(0).length;
  }

  /** The Merkle Tree Hash of all leaves. A new copy. */
  public byte[] root() {
    return root.clone();
  }

  /** The leaf hash at {@code index}. A new copy. */
  public byte[] leafHashAt(int index) {
    checkIndex(index);
    return levels.get(0)[index].clone();
  }

  /**
   * The audit path of leaf {@code index} (RFC 6962 section 2.1.1, {@code PATH(m, D[n])}): the
   * sibling hashes from the leaf up to the root.
   */
  public List<byte[]> auditPath(int index) {
    checkIndex(index);
    List<byte[]> path = new ArrayList<>();
    int i = index;
    for (byte[][] level : levels) {
      if (level.length == 1) {
        break;
      }
      int sibling = i ^ 1;
      if (sibling < level.length) {
        path.add(level[sibling].clone());
      }
      i /= 2;
    }
    return Collections.unmodifiableList(path);
  }

  /**
   * Whether {@code leafData} is leaf {@code index} of the tree of {@code treeSize} leaves with
   * this root, given its audit path.
   */
  public static boolean verify(
      byte[] root, int treeSize, int index, byte[] leafData, List<byte[]> auditPath) {
    return verifyLeafHash(
        root, treeSize, index, leafHash(leafData, 0, leafData.length), auditPath);
  }

  /**
   * Whether {@code leafHash} is the hash of leaf {@code index} of the tree of {@code treeSize}
   * leaves with this root, given its audit path. Never throws for malformed input.
   */
  public static boolean verifyLeafHash(
      byte[] root, int treeSize, int index, byte[] leafHash, List<byte[]> auditPath) {
    if (index < 0 || index >= treeSize || root.length != HASH_LENGTH
        || leafHash.length != HASH_LENGTH) {
      return false;
    }
    // RFC 9162 section 2.1.3.2: walk up with fn (index) and sn (last index of the tree).
    MessageDigest sha256 = sha256();
    long fn = index;
    long sn = treeSize - 1L;
    byte[] r = leafHash;
    for (byte[] p : auditPath) {
      if (p.length != HASH_LENGTH || sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(sha256, p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = nodeHash(sha256, r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }

  private void checkIndex(int index) {
    if (index < 0 || index >= size()) {
      throw new IndexOutOfBoundsException("leaf " + index + " of a tree of " + size());
    }
  }

  static MessageDigest sha256() {
    return Sha256.newDigest();
  }

  @Override
  public String toString() {
    return "MerkleTree{size=" + size() + ", root=" + java.util.HexFormat.of().formatHex(root) + "}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MerkleTree && Arrays.equals(root, ((MerkleTree) o).root)
        && size() == ((MerkleTree) o).size();
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(root);
  }
}
