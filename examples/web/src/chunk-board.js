// What a swarm session knows of a track's chunks: each chunk's state (missing, being fetched,
// verified), the batches fetching it, the verified bytes themselves, and the reads and digests
// waiting for chunks; the bytes of a range and the SHA-256 of the whole track, from the
// verified chunks.
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex } from "./bytes.js";
import { CHUNK_SIZE } from "./merkle.js";

/** A chunk no source is fetching and none delivered yet. */
export const MISSING = 0;
/** A chunk a batch is fetching. */
export const FETCHING = 1;
/** A chunk that arrived and matched its leaf hash. */
export const VERIFIED = 2;

/**
 * The chunks of one track: their states, the batches fetching them, the verified bytes, and
 * who waits for which. It checks nothing: the chunks handed to it were verified already.
 */
export class ChunkBoard {
  /** @type {Array<Uint8Array | null>} */ #chunks;
  #states;
  /** @type {Map<number, Set<import("./swarm-source.js").Batch>>} the batches fetching each chunk */
  #fetchers = new Map();
  #verified = 0;
  #bytesVerified = 0;
  /** @type {Set<{first: number, last: number, resolve: () => void, reject: (e: Error) => void}>} */
  #waiters = new Set();

  /** @param {number} chunkCount chunks of the track */
  constructor(chunkCount) {
    this.#chunks = new Array(chunkCount).fill(null);
    this.#states = new Uint8Array(chunkCount);
  }

  /** @returns {number} chunks of the track */
  get chunkCount() {
    return this.#states.length;
  }

  /** @returns {number} bytes of the chunks verified */
  get bytesVerified() {
    return this.#bytesVerified;
  }

  /** @returns {boolean} whether every chunk is verified */
  get complete() {
    return this.#verified === this.chunkCount;
  }

  /**
   * @param {number} i a chunk index
   * @returns {number} its state: {@link MISSING}, {@link FETCHING} or {@link VERIFIED}
   */
  state(i) {
    return this.#states[i];
  }

  /** @returns {Uint8Array} a copy of the states, one a chunk */
  states() {
    return Uint8Array.from(this.#states);
  }

  /**
   * @param {number} first
   * @param {number} last
   * @returns {boolean} whether chunks `first` to `last` (both included) are all verified
   */
  covered(first, last) {
    for (let i = first; i <= last; i++) if (this.#states[i] !== VERIFIED) return false;
    return true;
  }

  /**
   * @param {number} i a chunk index
   * @returns {ReadonlySet<import("./swarm-source.js").Batch> | undefined} the batches fetching it
   */
  fetchers(i) {
    return this.#fetchers.get(i);
  }

  /**
   * Batch `b` fetches chunk `i` from now on.
   * @param {import("./swarm-source.js").Batch} b
   * @param {number} i
   */
  claim(b, i) {
    this.#states[i] = FETCHING;
    let set = this.#fetchers.get(i);
    if (!set) this.#fetchers.set(i, (set = new Set()));
    set.add(b);
  }

  /**
   * Batch `b` no longer fetches chunk `i`; with no other batch fetching it, it is missing again.
   * @param {import("./swarm-source.js").Batch} b
   * @param {number} i
   */
  release(b, i) {
    const set = this.#fetchers.get(i);
    set?.delete(b);
    if (this.#states[i] === FETCHING && (!set || set.size === 0)) {
      this.#states[i] = MISSING;
      this.#fetchers.delete(i);
    }
  }

  /**
   * Batch `b` brought chunk `i`, verified: it is kept unless a copy was kept already, and no
   * batch fetches it any longer.
   * @param {import("./swarm-source.js").Batch} b
   * @param {number} i
   * @param {Uint8Array} bytes
   * @returns {{fresh: boolean, others: import("./swarm-source.js").Batch[]}} `fresh`: whether it
   *   is the first copy; `others`: the other batches that were fetching it (they lost the race)
   */
  deliver(b, i, bytes) {
    const set = this.#fetchers.get(i);
    set?.delete(b);
    const fresh = this.#states[i] !== VERIFIED;
    if (fresh) {
      this.#chunks[i] = bytes;
      this.#states[i] = VERIFIED;
      this.#verified++;
      this.#bytesVerified += bytes.length;
    }
    this.#fetchers.delete(i);
    return { fresh, others: set ? [...set] : [] };
  }

  /**
   * The bytes `[offset, end)`, from chunks that are all verified.
   * @param {number} offset
   * @param {number} end
   * @returns {Uint8Array}
   */
  bytes(offset, end) {
    const first = Math.floor(offset / CHUNK_SIZE);
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    const out = new Uint8Array(end - offset);
    for (let i = first; i <= last; i++) {
      const c = this.#chunks[i];
      const from = Math.max(offset, i * CHUNK_SIZE);
      const to = Math.min(end, i * CHUNK_SIZE + c.length);
      out.set(c.subarray(from - i * CHUNK_SIZE, to - i * CHUNK_SIZE), from - offset);
    }
    return out;
  }

  /** @returns {string} the hex SHA-256 of the whole track, once every chunk is verified */
  digest() {
    const h = sha256.create();
    for (const c of this.#chunks) h.update(c);
    return toHex(h.digest());
  }

  // -- waiters ----------------------------------------------------------------------------------

  /**
   * Waits until chunks `first` to `last` (both included) are verified.
   * @param {number} first
   * @param {number} last
   * @returns {Promise<void>} resolved by {@link settle} or {@link resolveAll}, rejected by
   *   {@link rejectWhere} or {@link rejectAll}
   */
  wait(first, last) {
    return new Promise((resolve, reject) => {
      this.#waiters.add({ first, last, resolve, reject });
    });
  }

  /** @returns {number} the last chunk a waiter waits for, -1 when none waits */
  lastWaited() {
    let last = -1;
    for (const w of this.#waiters) last = Math.max(last, w.last);
    return last;
  }

  /** Resolves the waiters whose chunks are all verified. */
  settle() {
    for (const w of [...this.#waiters]) {
      if (this.covered(w.first, w.last)) {
        this.#waiters.delete(w);
        w.resolve();
      }
    }
  }

  /**
   * Rejects each waiter that waits for a chunk `lost` says can no longer be had, with the error
   * `errorFor` gives for the first such chunk.
   * @param {(i: number) => boolean} lost
   * @param {(i: number) => Error} errorFor
   */
  rejectWhere(lost, errorFor) {
    for (const w of [...this.#waiters]) {
      for (let i = w.first; i <= w.last; i++) {
        if (lost(i)) {
          this.#waiters.delete(w);
          w.reject(errorFor(i));
          break;
        }
      }
    }
  }

  /** Resolves every waiter (the track is complete). */
  resolveAll() {
    for (const w of this.#waiters) w.resolve();
    this.#waiters.clear();
  }

  /** @param {Error} error rejects every waiter with it */
  rejectAll(error) {
    for (const w of this.#waiters) w.reject(error);
    this.#waiters.clear();
  }
}
