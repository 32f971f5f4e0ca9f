// Content addressing (PROTOCOL.md section 4): RFC 6962 Merkle Tree Hash over 16 KiB chunks.
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, equal } from "./bytes.js";

/** Bytes per chunk in version 1. */
export const CHUNK_SIZE = 16384;
/** Length of a hash: leaf hashes, node hashes and track IDs. */
export const HASH_LENGTH = 32;

/** @param {Uint8Array} chunk @returns {Uint8Array} SHA-256(0x00 || chunk) */
export function leafHash(chunk) {
  return sha256(concat(Uint8Array.of(0), chunk));
}

/** @param {Uint8Array} left @param {Uint8Array} right @returns {Uint8Array} SHA-256(0x01 || left || right) */
export function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/**
 * The Merkle Tree Hash of leaf hashes: SHA-256() of nothing for none, the leaf itself for one,
 * else the node hash of the first k leaves and the rest, k the largest power of two below n.
 * @param {Uint8Array[]} leaves 32 bytes each
 * @returns {Uint8Array} the root, 32 bytes
 */
export function merkleRoot(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  return mth(leaves, 0, leaves.length);
}

function mth(leaves, from, to) {
  const n = to - from;
  if (n === 1) return leaves[from];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(mth(leaves, from, from + k), mth(leaves, from + k, to));
}

/**
 * A track's ID from its bytes: its chunks' leaf hashes under {@link merkleRoot}.
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
export function trackIdOf(bytes) {
  const leaves = [];
  for (let at = 0; at < bytes.length; at += CHUNK_SIZE) {
    leaves.push(leafHash(bytes.subarray(at, Math.min(bytes.length, at + CHUNK_SIZE))));
  }
  return merkleRoot(leaves);
}

/** A manifest that does not commit to the track asked for. */
export class ManifestError extends Error {
  constructor(message) {
    super(`BAD_MANIFEST: ${message}`);
    this.name = "ManifestError";
  }
}

/**
 * A manifest whose leaf hashes were checked against its track ID, ready to check chunks against.
 * Immutable.
 */
export class VerifiedManifest {
  /**
   * Checks a received manifest (section 4): its track ID is the one asked for, its chunk size is
   * 16,384, it has ceil(size / chunk size) leaf hashes, and their Merkle root is the track ID.
   * @param {import("./gen/loudp2p/v1/wire_pb.js").Manifest} manifest
   * @param {Uint8Array} trackId the ID asked for
   * @returns {VerifiedManifest}
   * @throws {ManifestError}
   */
  static check(manifest, trackId) {
    if (!equal(manifest.trackId, trackId)) throw new ManifestError("the manifest of another track");
    if (manifest.chunkSize !== CHUNK_SIZE) {
      throw new ManifestError(`chunk size ${manifest.chunkSize}, not ${CHUNK_SIZE}`);
    }
    const size = manifest.size;
    const chunks = (size + BigInt(CHUNK_SIZE) - 1n) / BigInt(CHUNK_SIZE);
    const bytes = manifest.leafHashes;
    if (bytes.length % HASH_LENGTH !== 0 || BigInt(bytes.length / HASH_LENGTH) !== chunks) {
      throw new ManifestError(
        `${bytes.length} bytes of leaf hashes for ${chunks} chunks of a ${size}-byte track`,
      );
    }
    const leaves = [];
    for (let at = 0; at < bytes.length; at += HASH_LENGTH) {
      leaves.push(bytes.slice(at, at + HASH_LENGTH));
    }
    if (!equal(merkleRoot(leaves), trackId)) {
      throw new ManifestError("the leaf hashes do not hash to the track ID");
    }
    return new VerifiedManifest(manifest, leaves);
  }

  /** Use {@link VerifiedManifest.check}. */
  constructor(manifest, leaves) {
    /** @type {Uint8Array} */
    this.trackId = Uint8Array.from(manifest.trackId);
    /** Size in bytes; a Number (a track is far below 2^53 bytes). */
    this.size = Number(manifest.size);
    this.chunkSize = manifest.chunkSize;
    this.chunkCount = leaves.length;
    /** What the signing peer says of the track; not covered by the track ID. */
    this.metadata = manifest.metadata;
    this.#leaves = leaves;
    Object.freeze(this);
  }

  /** @type {Uint8Array[]} */ #leaves;

  /** @param {number} index @returns {Uint8Array} a copy of chunk `index`'s leaf hash */
  leafHash(index) {
    return Uint8Array.from(this.#leaves[index]);
  }

  /** @param {number} index @returns {number} the length chunk `index` must have */
  chunkLength(index) {
    if (!(index >= 0 && index < this.chunkCount)) throw new RangeError(`no chunk ${index}`);
    return Math.min(this.chunkSize, this.size - index * this.chunkSize);
  }

  /**
   * Whether `bytes` are chunk `index` of this track: its length and its leaf hash. A receiver
   * checks every chunk so before using it.
   * @param {number} index
   * @param {Uint8Array} bytes
   * @returns {boolean}
   */
  verifyChunk(index, bytes) {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunkCount) return false;
    return bytes.length === this.chunkLength(index) && equal(leafHash(bytes), this.#leaves[index]);
  }
}
