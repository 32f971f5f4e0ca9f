package io.loudp2p.core.content;

import com.google.protobuf.ByteString;
import io.loudp2p.TrackId;
import io.loudp2p.core.proto.v1.TrackMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a track is made of: its size, its chunks' leaf hashes and its metadata, checked against
 * its {@link TrackId} before anyone uses it.
 *
 * <p>A manifest can only be made through the factories, and they refuse one whose leaf hashes do
 * not give the track ID as their Merkle root, or whose sizes are inconsistent or absurd
 * ({@link ManifestException.Reason}). After that, {@link #verifyChunk} checks each chunk against
 * its leaf hash. Immutable and thread-safe.
 */
public final class Manifest {
  /** Bytes per chunk in protocol version 1; the last chunk holds the remainder. */
  public static final int CHUNK_SIZE = 16 * 1024;

  /** The largest track accepted: 2 GiB, hours of lossless audio. */
  public static final long MAX_TRACK_BYTES = 2L * 1024 * 1024 * 1024;

  /** The most chunks a track can have. */
  public static final int MAX_CHUNKS = (int) (MAX_TRACK_BYTES / CHUNK_SIZE);

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(MerkleTree::sha256);
  private static final ThreadLocal<byte[]> DIGEST_OUT = ThreadLocal.withInitial(() -> new byte[32]);

  private final TrackId trackId;
  private final long size;
  private final byte[] leafHashes;
  private final TrackMetadata metadata;
  private volatile @Nullable MerkleTree tree;

  private Manifest(TrackId trackId, long size, byte[] leafHashes, TrackMetadata metadata) {
    this.trackId = trackId;
    this.size = size;
    this.leafHashes = leafHashes;
    this.metadata = metadata;
  }

  /**
   * A manifest from its parts, checked against {@code expected}.
   *
   * @param leafHashes the 32-byte leaf hashes, concatenated in chunk order (copied)
   * @throws ManifestException when a rule is broken
   */
  public static Manifest of(
      TrackId expected, long size, int chunkSize, byte[] leafHashes, TrackMetadata metadata)
      throws ManifestException {
    if (chunkSize != CHUNK_SIZE) {
      throw new ManifestException(ManifestException.Reason.BAD_CHUNK_SIZE,
          "chunk size " + chunkSize + ", version 1 uses " + CHUNK_SIZE);
    }
    if (size < 0 || size > MAX_TRACK_BYTES) {
      throw new ManifestException(ManifestException.Reason.TOO_LARGE,
          "size " + size + " is outside 0 to " + MAX_TRACK_BYTES + " bytes");
    }
    if (leafHashes.length % MerkleTree.HASH_LENGTH != 0) {
      throw new ManifestException(ManifestException.Reason.BAD_LEAF_HASHES,
          leafHashes.length + " bytes of leaf hashes is not a multiple of 32");
    }
    long expectedChunks = chunkCount(size);
    long actualChunks = leafHashes.length / MerkleTree.HASH_LENGTH;
    if (actualChunks != expectedChunks) {
      throw new ManifestException(ManifestException.Reason.SIZE_MISMATCH,
          actualChunks + " leaf hashes for " + size + " bytes, which make " + expectedChunks
              + " chunks");
    }
    MerkleTree tree = MerkleTree.fromConcatenatedLeafHashes(leafHashes);
    if (!expected.matches(tree.root())) {
      throw new ManifestException(ManifestException.Reason.ROOT_MISMATCH,
          "the leaf hashes give track ID " + TrackId.fromBytes(tree.root()) + ", not " + expected);
    }
    Manifest manifest = new Manifest(expected, size, leafHashes.clone(), metadata);
    manifest.tree = tree;
    return manifest;
  }

  /**
   * A manifest from the wire, checked against the track ID that was asked for.
   *
   * @throws ManifestException when the message's track ID is not {@code expected} or a rule is
   *     broken
   */
  public static Manifest fromProto(io.loudp2p.core.proto.v1.Manifest proto, TrackId expected)
      throws ManifestException {
    if (!expected.matches(proto.getTrackId().toByteArray())) {
      throw new ManifestException(ManifestException.Reason.BAD_TRACK_ID,
          "the manifest is for another track than " + expected);
    }
    return of(expected, proto.getSize(), proto.getChunkSize(), proto.getLeafHashes().toByteArray(),
        proto.getMetadata());
  }

  /**
   * The manifest of a file, hashing it once as a stream of chunks.
   *
   * @throws IOException when the file cannot be read or is larger than {@link #MAX_TRACK_BYTES}
   */
  public static Manifest ofFile(Path file, TrackMetadata metadata) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return ofStream(in, metadata);
    }
  }

  /** The manifest of the bytes of a stream, read to its end. */
  public static Manifest ofStream(InputStream in, TrackMetadata metadata) throws IOException {
    MessageDigest sha256 = MerkleTree.sha256();
    byte[] chunk = new byte[CHUNK_SIZE];
    byte[] hashes = new byte[1024];
    int count = 0;
    long size = 0;
    while (true) {
      int filled = in.readNBytes(chunk, 0, CHUNK_SIZE);
      if (filled == 0) {
        break;
      }
      size += filled;
      if (size > MAX_TRACK_BYTES) {
        throw new IOException("track larger than " + MAX_TRACK_BYTES + " bytes");
      }
      if ((count + 1) * 32 > hashes.length) {
        hashes = Arrays.copyOf(hashes, hashes.length * 2);
      }
      sha256.update((byte) 0);
      sha256.update(chunk, 0, filled);
      digestInto(sha256, hashes, count * 32);
      count++;
      if (filled < CHUNK_SIZE) {
        break;
      }
    }
    byte[] leafHashes = Arrays.copyOf(hashes, count * 32);
    MerkleTree tree = MerkleTree.fromConcatenatedLeafHashes(leafHashes);
    Manifest manifest = new Manifest(TrackId.fromBytes(tree.root()), size, leafHashes, metadata);
    manifest.tree = tree;
    return manifest;
  }

  /** The wire form. */
  public io.loudp2p.core.proto.v1.Manifest toProto() {
    return io.loudp2p.core.proto.v1.Manifest.newBuilder()
        .setTrackId(ByteString.copyFrom(trackId.bytes()))
        .setSize(size)
        .setChunkSize(CHUNK_SIZE)
        .setLeafHashes(ByteString.copyFrom(leafHashes))
        .setMetadata(metadata)
        .build();
  }

  /** The track this manifest describes. */
  public TrackId trackId() {
    return trackId;
  }

  /** The track's size in bytes. */
  public long size() {
    return size;
  }

  /** The track's descriptive metadata (not covered by the track ID). */
  public TrackMetadata metadata() {
    return metadata;
  }

  /** The number of chunks. */
  public int chunkCount() {
    return leafHashes.length / MerkleTree.HASH_LENGTH;
  }

  /** The byte offset of chunk {@code index} within the track. */
  public long chunkOffset(int index) {
    checkIndex(index);
    return (long) index * CHUNK_SIZE;
  }

  /** The length of chunk {@code index}: {@link #CHUNK_SIZE}, or less for the last one. */
  public int chunkLength(int index) {
    checkIndex(index);
    return (int) Math.min(CHUNK_SIZE, size - (long) index * CHUNK_SIZE);
  }

  /** The chunk that holds byte {@code offset} of the track. */
  public int chunkAt(long offset) {
    if (offset < 0 || offset >= size) {
      throw new IndexOutOfBoundsException("offset " + offset + " of a track of " + size + " bytes");
    }
    return (int) (offset / CHUNK_SIZE);
  }

  /** The leaf hash of chunk {@code index}. A new copy. */
  public byte[] leafHash(int index) {
    checkIndex(index);
    return Arrays.copyOfRange(leafHashes, index * 32, index * 32 + 32);
  }

  /** The audit path of chunk {@code index}, for peers that check chunks without a manifest. */
  public List<byte[]> auditPath(int index) {
    checkIndex(index);
    return tree().auditPath(index);
  }

  /**
   * Whether {@code data[offset, offset + length)} is chunk {@code index}: the right length and the
   * right leaf hash. Allocates nothing.
   */
  public boolean verifyChunk(int index, byte[] data, int offset, int length) {
    if (index < 0 || index >= chunkCount() || length != chunkLength(index)) {
      return false;
    }
    MessageDigest sha256 = SHA256.get();
    byte[] out = DIGEST_OUT.get();
    sha256.update((byte) 0);
    sha256.update(data, offset, length);
    digestInto(sha256, out, 0);
    int at = index * 32;
    return Arrays.equals(out, 0, 32, leafHashes, at, at + 32);
  }

  private MerkleTree tree() {
    MerkleTree t = tree;
    if (t == null) {
      t = MerkleTree.fromConcatenatedLeafHashes(leafHashes);
      tree = t;
    }
    return t;
  }

  private static void digestInto(MessageDigest sha256, byte[] out, int offset) {
    try {
      sha256.digest(out, offset, 32);
    } catch (DigestException e) {
      throw new IllegalStateException("SHA-256 digest into a 32-byte slot failed", e);
    }
  }

  static long chunkCount(long size) {
    return (size + CHUNK_SIZE - 1) / CHUNK_SIZE;
  }

  private void checkIndex(int index) {
    if (index < 0 || index >= chunkCount()) {
      throw new IndexOutOfBoundsException("chunk " + index + " of " + chunkCount());
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Manifest
        && trackId.equals(((Manifest) o).trackId)
        && metadata.equals(((Manifest) o).metadata);
  }

  @Override
  public int hashCode() {
    return trackId.hashCode();
  }

  @Override
  public String toString() {
    return "Manifest{" + trackId + ", " + size + " bytes, " + chunkCount() + " chunks}";
  }
}
