// One track streamed from several full peers at once over gRPC-Web chunk batches, as loudp2p's
// Java session does over its data paths: the chunks nearest the read position first, a few
// batches in flight per source, a late chunk fetched from a second source, and a source that
// stalls, lies or serves a corrupt chunk dropped for good while the others take its chunks.
// The chunks' bookkeeping is in chunk-board.js, the sources' lives (opened, dropped,
// replaced) in source-pool.js, a source and its batch calls in swarm-source.js, the options
// and their defaults in swarm-options.js.
import * as base58 from "./base58.js";
import { equal } from "./bytes.js";
import { ChunkBoard, FETCHING, MISSING, VERIFIED } from "./chunk-board.js";
import { GrpcWebError, Status } from "./grpcweb.js";
import { CHUNK_SIZE } from "./merkle.js";
import { SourcePool } from "./source-pool.js";
import { swarmSettings } from "./swarm-options.js";
import { Batch } from "./swarm-source.js";

export { FETCHING, MISSING, VERIFIED };

/** Calls of one session a loudp2p source runs at once (PROTOCOL.md section 5, "Chunk batches"). */
export const MAX_SESSION_CALLS = 4;
/** RESOURCE_EXHAUSTED answers in a row after which a source is dropped. */
const MAX_EXHAUSTED = 3;

/**
 * Why a session cannot give what was asked; `reason`:
 * - `CLOSED`: the session was closed;
 * - `NO_SOURCES`: every source was dropped and no candidate is left;
 * - `UNAVAILABLE`: no source left has chunk `index`;
 * - `NO_MANIFEST`: no candidate gave a manifest that commits to the track.
 * The message starts with the reason.
 */
export class SessionError extends Error {
  /** @param {string} reason @param {string} detail @param {number} [index] */
  constructor(reason, detail, index) {
    super(`${reason}: ${detail}`);
    this.name = "SessionError";
    this.reason = reason;
    this.index = index;
  }
}

/**
 * Streams one track from up to `maxSources` full peers at once. Open with
 * {@link SwarmSession.open}; read with {@link SwarmSession#read}; close when done.
 */
export class SwarmSession {
  /**
   * Fetches (or takes) the manifest, opens sessions at up to `maxSources` candidates and starts
   * fetching from chunk 0. Resolves once one source is open.
   * @param {import("./swarm-options.js").SwarmOptions} options
   * @returns {Promise<SwarmSession>}
   * @throws {SessionError} `NO_MANIFEST` when no candidate gives a manifest, `NO_SOURCES` when
   *   no candidate opens a session
   */
  static async open(options) {
    const id = typeof options.trackId === "string" ? base58.decode(options.trackId) : options.trackId;
    const settings = swarmSettings(options);
    const candidates = SourcePool.candidates(options, settings);
    if (options.manifest && !equal(options.manifest.trackId, id)) {
      throw new RangeError("the manifest given is another track's");
    }
    const refused = [];
    let manifest = options.manifest;
    while (!manifest) {
      const c = candidates.shift();
      if (!c) {
        const why = refused.map(({ c: r, e }) => `${r.url}: ${e.message}`).join("; ");
        throw new SessionError("NO_MANIFEST", `no source gave the manifest (${why})`);
      }
      try {
        manifest = (await c.client.getManifest(id)).manifest;
        candidates.unshift(c);
      } catch (e) {
        refused.push({ c, e });
      }
    }
    const session = new SwarmSession(id, manifest, candidates, settings);
    for (const { c, e } of refused) session.#pool.refusedAtManifest(c, e);
    await session.#start();
    return session;
  }

  #manifest;
  /** @type {SourcePool} the candidates and every source tried */ #pool;
  /** @type {ChunkBoard} the chunks' states, bytes and waiters */ #board;
  #pos = 0;
  /** Whether every chunk is wanted now, past the read-ahead window (a digest waits for them). */
  #wantAll = false;
  /** @type {SessionError | null} */ #failure = null;
  #closed = false;
  #timer = null;
  /** @type {import("./swarm-options.js").SwarmSettings} */ #o;

  /**
   * Use {@link SwarmSession.open}.
   * @param {Uint8Array} trackId
   * @param {import("./merkle.js").VerifiedManifest} manifest
   * @param {import("./source-pool.js").Candidate[]} candidates not tried yet, most preferred first
   * @param {import("./swarm-options.js").SwarmSettings} settings
   */
  constructor(trackId, manifest, candidates, settings) {
    this.#manifest = manifest;
    this.#board = new ChunkBoard(manifest.chunkCount);
    this.#o = settings;
    this.#pool = new SourcePool(trackId, manifest, candidates, settings, {
      closed: () => this.#closed,
      failed: () => this.#failure !== null,
      complete: () => this.#complete(),
      abortBatches: (s, why) => {
        for (const b of [...s.batches]) this.#abortBatch(b, why);
      },
      pump: () => this.#pump(),
      checkHopeless: () => this.#checkHopeless(),
      emit: (event) => this.#emit(event),
    });
  }

  /** @returns {number} bytes of the track */
  get size() {
    return this.#manifest.size;
  }

  /** @returns {number} chunks of the track */
  get chunkCount() {
    return this.#manifest.chunkCount;
  }

  /** @returns {import("./merkle.js").VerifiedManifest} the manifest chunks are checked against */
  get manifest() {
    return this.#manifest;
  }

  /**
   * The verified bytes `[offset, offset + length)`, clipped to the track's size. Moves the read
   * position (the fetching priority) to `offset`.
   * @param {number} offset
   * @param {number} length
   * @returns {Promise<Uint8Array>}
   * @throws {SessionError} when the session was closed, or no source left can give a chunk of it
   */
  read(offset, length) {
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 0) {
      return Promise.reject(new RangeError(`cannot read ${length} bytes at ${offset}`));
    }
    if (this.#closed) return Promise.reject(new SessionError("CLOSED", "the session is closed"));
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return Promise.resolve(new Uint8Array(0));
    this.#pos = offset;
    const first = Math.floor(offset / CHUNK_SIZE);
    const last = Math.floor((end - 1) / CHUNK_SIZE);
    const assemble = () => this.#board.bytes(offset, end);
    if (this.#board.covered(first, last)) return Promise.resolve(assemble());
    if (this.#failure) return Promise.reject(this.#failure);
    const done = this.#board.wait(first, last).then(assemble);
    this.#pump();
    this.#checkHopeless();
    return done;
  }

  /**
   * Tells the session that the playhead jumped: chunks from `offset` on are fetched first.
   * @param {number} offset
   */
  seek(offset) {
    if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`cannot seek to ${offset}`);
    this.#pos = Math.min(offset, this.size);
    this.#pump();
  }

  /**
   * @returns {{sources: import("./swarm-source.js").SourceStats[], chunkStates: Uint8Array,
   *   bytesVerified: number, complete: boolean}} `chunkStates`: a copy, per chunk
   *   {@link MISSING}, {@link FETCHING} or {@link VERIFIED}
   */
  stats() {
    return {
      sources: this.#pool.stats(),
      chunkStates: this.#board.states(),
      bytesVerified: this.#board.bytesVerified,
      complete: this.#complete(),
    };
  }

  /**
   * The hex SHA-256 of the whole track, once every chunk is verified (it waits for that).
   * @returns {Promise<string>}
   * @throws {SessionError} as {@link read}
   */
  async digest() {
    if (!this.#complete()) {
      if (this.#closed) throw new SessionError("CLOSED", "the session is closed");
      if (this.#failure) throw this.#failure;
      this.#wantAll = true;
      this.#pump();
      const all = this.#board.wait(0, this.chunkCount - 1);
      this.#checkHopeless();
      await all;
    }
    return this.#board.digest();
  }

  /** Aborts every call; reads still waiting fail with `CLOSED`. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopAll(new SessionError("CLOSED", "the session is closed"));
  }

  // -- start and tick ---------------------------------------------------------------------------

  async #start() {
    if (this.#complete()) {
      this.#finish();
      return;
    }
    this.#timer = setInterval(() => this.#tick(), this.#o.tickMs);
    await this.#pool.openFirst();
    this.#checkHopeless();
    if (this.#failure && !this.#complete()) {
      const e = this.#failure;
      this.close();
      throw e;
    }
  }

  #tick() {
    if (this.#closed || this.#failure || this.#complete()) return;
    this.#pool.dropStalled();
    this.#pump();
  }

  // -- scheduling -------------------------------------------------------------------------------

  /** Chunk indexes in the order they are due: from the read position on, then the rest. */
  *#order() {
    const n = this.chunkCount;
    const p = Math.min(n, Math.floor(this.#pos / CHUNK_SIZE));
    // Chunks a read waits for are wanted, however far ahead.
    const waited = this.#board.lastWaited();
    for (let i = p; i < n; i++) {
      if (!this.#wantAll && i > waited && this.#dueIn(i) > this.#o.aheadMs) return;
      yield i;
    }
    if (!this.#wantAll) return;
    for (let i = 0; i < p; i++) yield i;
  }

  /** ms until chunk `i` is played from the read position at the byte rate (Infinity if behind). */
  #dueIn(i) {
    const start = i * CHUNK_SIZE;
    if (start + CHUNK_SIZE <= this.#pos) return Infinity;
    return (Math.max(0, start - this.#pos) / this.#o.byteRate) * 1000;
  }

  #canServe(s, i) {
    return s.stream.availability.has(i) && !s.unavailable.has(i);
  }

  /**
   * Gives every active source with a free slot work, most urgent first: a chunk due soon that
   * another source is late with (a hedge), else the first missing chunks in the order they are
   * due, else (the endgame: nothing missing is left for it) a chunk another source is late with.
   * While the chunk at the read position is missing, a source may run one call more than
   * `callsPerSource` for it (a seek need not wait for a batch to end).
   */
  #pump() {
    if (this.#closed || this.#failure || this.#complete()) return;
    const active = this.#pool
      .active()
      .sort((a, b) => b.rateBps - a.rateBps);
    const now = this.#o.now();
    const atPos = Math.min(this.chunkCount - 1, Math.floor(this.#pos / CHUNK_SIZE));
    for (const s of active) {
      if (now < s.pausedUntil) continue;
      for (;;) {
        const urgent = this.#board.state(atPos) === MISSING && this.#canServe(s, atPos);
        const limit = this.#o.callsPerSource + (urgent ? 1 : 0);
        // Calls aborted but not yet ended still count at the source: never more than it allows.
        if (s.batches.size >= limit || s.calls >= MAX_SESSION_CALLS) break;
        let i = this.#lateChunkFor(s, now, this.#o.hedgeMarginMs);
        if (i !== -1) {
          this.#startBatch(s, [i], true);
          continue;
        }
        const want = [];
        for (const k of this.#order()) {
          if (want.length >= s.batchSize) break;
          if (this.#board.state(k) === MISSING && this.#canServe(s, k)) want.push(k);
        }
        if (want.length > 0) {
          this.#startBatch(s, want, false);
          continue;
        }
        i = this.#lateChunkFor(s, now, Infinity);
        if (i === -1) break;
        this.#startBatch(s, [i], true);
      }
    }
  }

  /**
   * The first chunk, in the order they are due, due within `withinMs` that one other source is
   * fetching and is late with (it has taken more than twice what its round trip and rate let
   * expect, and at least `hedgeAfterMs`), for `s` to fetch as well; -1 when there is none.
   */
  #lateChunkFor(s, now, withinMs) {
    for (const i of this.#order()) {
      if (this.#dueIn(i) > withinMs) break;
      if (this.#board.state(i) !== FETCHING || !this.#canServe(s, i)) continue;
      const fetchers = this.#board.fetchers(i);
      if (!fetchers || fetchers.size !== 1) continue;
      const [b] = fetchers;
      if (b.source === s) continue;
      const ahead = b.want.indexOf(i) + 1; // chunks the batch sends up to this one
      const rate = b.source.rateBps;
      const expected = b.source.rttMs + (rate > 0 ? (ahead * CHUNK_SIZE * 1000) / rate : 0);
      if (now - b.started < Math.max(this.#o.hedgeAfterMs, 2 * expected)) continue;
      return i;
    }
    return -1;
  }

  #startBatch(s, want, hedge) {
    const b = new Batch(s, want, hedge, this.#o.now());
    for (const i of want) this.#board.claim(b, i);
    if (s.batches.size === 0) s.lastDataAt = b.started; // the stall clock runs while chunks are due
    s.batches.add(b);
    s.calls++;
    s.client.fetchChunkBatch(
      { sessionId: s.stream.sessionId, handshake: s.stream.handshake, want },
      (i, bytes) => this.#onChunk(b, i, bytes),
      {
        manifest: this.#manifest,
        signal: b.abort.signal,
        deadlineMs: this.#o.batchDeadlineMs,
        onAccepted: () => {
          const rtt = this.#o.now() - b.started;
          s.rttMs = s.rttMs === 0 ? rtt : 0.8 * s.rttMs + 0.2 * rtt;
          s.lastDataAt = this.#o.now();
        },
        onData: (n) => {
          s.lastDataAt = this.#o.now();
          s.bytes += n;
          b.bytes += n;
        },
        onUnavailable: (i) => {
          s.unavailable.add(i);
          b.pending.delete(i);
          this.#board.release(b, i);
        },
      },
    ).then(() => this.#batchDone(b, null), (e) => this.#batchDone(b, e))
      .finally(() => {
        s.calls--;
        this.#pump();
      });
  }

  #onChunk(b, i, bytes) {
    const s = b.source;
    b.pending.delete(i);
    s.chunks++;
    const { fresh, others } = this.#board.deliver(b, i, bytes);
    if (fresh) this.#emit({ type: "chunk", index: i, peer: s.peerText, url: s.url });
    // A race lost: the other batch stops, and what else it was to bring goes back to the queue.
    for (const other of others) this.#abortBatch(other, `chunk ${i} came from elsewhere`);
    this.#board.settle();
    if (this.#complete()) this.#finish();
  }

  #batchDone(b, error) {
    const s = b.source;
    if (b.abortedBy !== null) return; // released when aborted
    s.batches.delete(b);
    for (const i of b.pending) this.#board.release(b, i);
    b.pending.clear();
    if (this.#closed || this.#complete()) return;
    if (error instanceof GrpcWebError && error.code === Status.RESOURCE_EXHAUSTED
        && ++s.exhausted < MAX_EXHAUSTED) {
      // Past a limit of the source (its calls or batches at once): try it again a moment later.
      s.pausedUntil = this.#o.now() + this.#o.tickMs * 5;
      this.#pump();
      return;
    }
    if (error instanceof GrpcWebError && error.code === Status.FAILED_PRECONDITION
        && (s.state === "opening" || !s.reopened)) {
      // The source forgot the session (it ends one no call came for in 30 s: a paused tab, or
      // a full read-ahead): open it anew there, once, before anything is given up. Other
      // batches of the old session that fail so meanwhile only give their chunks back.
      if (s.state !== "opening") this.#pool.reopen(s);
      return;
    }
    if (error) {
      this.#pool.drop(s, error.message);
      return;
    }
    s.reopened = false;
    s.exhausted = 0;
    const elapsed = Math.max(1, this.#o.now() - b.started);
    if (b.bytes > 0) {
      const rate = (b.bytes * 1000) / elapsed;
      s.rateBps = s.rateBps === 0 ? rate : 0.7 * s.rateBps + 0.3 * rate;
      const chunks = Math.round((s.rateBps * this.#o.targetBatchMs) / 1000 / CHUNK_SIZE);
      s.batchSize = Math.max(1, Math.min(this.#o.maxBatch, chunks));
    }
    this.#pump();
    this.#checkHopeless();
  }

  /** Stops a batch of ours (not the source's fault): its unanswered wants go back to the queue. */
  #abortBatch(b, why) {
    if (b.abortedBy !== null) return;
    b.abortedBy = why;
    b.abort.abort();
    b.source.batches.delete(b);
    for (const i of b.pending) this.#board.release(b, i);
    b.pending.clear();
    queueMicrotask(() => this.#pump());
  }

  // -- completion and failure -------------------------------------------------------------------

  #complete() {
    return this.#board.complete;
  }

  #finish() {
    clearInterval(this.#timer);
    for (const s of this.#pool.sources) {
      if (s.state === "active") s.state = "done";
      for (const b of [...s.batches]) this.#abortBatch(b, "the track is complete");
    }
    this.#board.resolveAll();
    this.#emit({ type: "complete" });
  }

  /**
   * Fails what can no longer be had: everything when no source is left, else the reads of chunks
   * no source left has. While candidates are left, a chunk no active source has opens the next
   * one instead (even past `maxSources`).
   */
  #checkHopeless() {
    if (this.#closed || this.#failure || this.#complete() || this.#pool.opening > 0) return;
    const active = this.#pool.active();
    if (this.#pool.candidatesLeft > 0) {
      if (active.length === 0) {
        this.#pool.openNext();
        return;
      }
      for (let i = 0; i < this.chunkCount; i++) {
        if (this.#board.state(i) === MISSING && !active.some((s) => this.#canServe(s, i))) {
          this.#pool.openNext();
          return;
        }
      }
      return;
    }
    if (active.length === 0) {
      this.#failure = new SessionError("NO_SOURCES", "every source was dropped and no candidate is left");
      this.#stopAll(this.#failure);
      return;
    }
    this.#board.rejectWhere(
      (i) => this.#board.state(i) === MISSING && !active.some((s) => this.#canServe(s, i)),
      (i) => new SessionError("UNAVAILABLE", `no source left has chunk ${i}`, i),
    );
  }

  #stopAll(error) {
    clearInterval(this.#timer);
    for (const s of this.#pool.sources) {
      for (const b of [...s.batches]) this.#abortBatch(b, error.message);
    }
    this.#board.rejectAll(error);
  }

  #emit(event) {
    try {
      this.#o.onEvent(event);
    } catch {
      // A listener's failure is its own.
    }
  }
}
