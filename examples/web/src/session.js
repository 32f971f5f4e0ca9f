// One track streamed from several full peers at once over gRPC-Web chunk batches, as loudp2p's
// Java session does over its data paths: the chunks nearest the read position first, a few
// batches in flight per source, a late chunk fetched from a second source, and a source that
// stalls, lies or serves a corrupt chunk dropped for good while the others take its chunks.
// The chunks' bookkeeping is in chunk-board.js, the sources and their batch calls in
// swarm-source.js.
import * as base58 from "./base58.js";
import { equal } from "./bytes.js";
import { ChunkBoard, FETCHING, MISSING, VERIFIED } from "./chunk-board.js";
import { LightClient } from "./client.js";
import { GrpcWebError, Status } from "./grpcweb.js";
import { CHUNK_SIZE } from "./merkle.js";
import { Batch, Source } from "./swarm-source.js";

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
 * Options of {@link SwarmSession.open}.
 * @typedef {object} SwarmOptions
 * @property {Uint8Array | string} trackId 32 bytes or their Base58 text form
 * @property {import("./merkle.js").VerifiedManifest} [manifest] when known; else it is fetched
 *   from the first candidate that gives one that commits to the track
 * @property {Array<{url: string, peer?: string | import("./identity.js").PeerId}>} sources the
 *   candidate full peers, most preferred first: each a gRPC-Web address and the peer expected there
 * @property {import("./identity.js").Identity} identity the page's identity, which signs the opens
 * @property {number} [maxSources] sources streamed from at once (default 3)
 * @property {() => number} [now] the clock, ms since the epoch (envelopes and timings)
 * @property {typeof fetch} [fetch]
 * @property {boolean} [text] use `application/grpc-web-text`
 * @property {(event: {type: string, [key: string]: any}) => void} [onEvent] `source-added`
 *   ({peer, url}), `source-dropped` ({peer, url, reason}), `chunk` ({index, peer, url}),
 *   `complete` ({})
 * @property {number} [byteRate] the playback rate in bytes a second, which gives each chunk its
 *   deadline from the read position (default 40,000: 320 kbit/s)
 * @property {number} [aheadMs] how far past the read position chunks are fetched, in playback
 *   time at `byteRate` (default 60,000: a phone does not spend its data on a track that is
 *   skipped); {@link SwarmSession#digest} lifts it
 * @property {number} [stallMs] a source with batches running that sends no data for this long
 *   is dropped (default 2,000)
 * @property {number} [callsPerSource] batch calls kept in flight at each source (default 2; a
 *   loudp2p source allows 4)
 * @property {number} [initialBatch] chunks of a source's first batches (default 4)
 * @property {number} [maxBatch] most chunks of one batch (default 16, at most 64)
 * @property {number} [targetBatchMs] how long a batch should take at a source's measured rate;
 *   its batch size follows (default 1,000)
 * @property {number} [hedgeMarginMs] a chunk due within this long that one source has been
 *   fetching for a while is also asked of another (default 3,000)
 * @property {number} [hedgeAfterMs] how long a chunk must have been outstanding at least before
 *   a second source is asked for it (default 500; at least twice the first source's round trip)
 * @property {number} [tickMs] how often stalls and late chunks are looked for (default 100)
 * @property {number} [openDeadlineMs] deadline of the manifest and open calls (default 10 s)
 * @property {number} [batchDeadlineMs] deadline of one batch call (default 30 s)
 */

/**
 * Streams one track from up to `maxSources` full peers at once. Open with
 * {@link SwarmSession.open}; read with {@link SwarmSession#read}; close when done.
 */
export class SwarmSession {
  /**
   * Fetches (or takes) the manifest, opens sessions at up to `maxSources` candidates and starts
   * fetching from chunk 0. Resolves once one source is open.
   * @param {SwarmOptions} options
   * @returns {Promise<SwarmSession>}
   * @throws {SessionError} `NO_MANIFEST` when no candidate gives a manifest, `NO_SOURCES` when
   *   no candidate opens a session
   */
  static async open(options) {
    const id = typeof options.trackId === "string" ? base58.decode(options.trackId) : options.trackId;
    const candidates = options.sources.map((s) => ({
      url: s.url,
      client: new LightClient({
        url: s.url,
        identity: options.identity,
        peer: s.peer,
        now: options.now,
        fetch: options.fetch,
        text: options.text,
        deadlineMs: options.openDeadlineMs ?? 10_000,
      }),
    }));
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
    const session = new SwarmSession(id, manifest, candidates, options);
    for (const { c, e } of refused) session.#refusedAtManifest(c, e);
    await session.#start();
    return session;
  }

  #trackId;
  #manifest;
  /** @type {Array<{url: string, client: LightClient}>} not tried yet */ #candidates;
  /** @type {Source[]} every source tried, dropped ones too */ #sources = [];
  #opening = 0;
  /** @type {ChunkBoard} the chunks' states, bytes and waiters */ #board;
  #pos = 0;
  /** Whether every chunk is wanted now, past the read-ahead window (a digest waits for them). */
  #wantAll = false;
  /** @type {SessionError | null} */ #failure = null;
  #closed = false;
  #timer = null;
  #o;

  /** Use {@link SwarmSession.open}. */
  constructor(trackId, manifest, candidates, options) {
    this.#trackId = trackId;
    this.#manifest = manifest;
    this.#candidates = candidates;
    this.#board = new ChunkBoard(manifest.chunkCount);
    this.#o = {
      maxSources: options.maxSources ?? 3,
      now: options.now ?? Date.now,
      onEvent: options.onEvent ?? (() => {}),
      byteRate: options.byteRate ?? 40_000,
      aheadMs: options.aheadMs ?? 60_000,
      stallMs: options.stallMs ?? 2_000,
      callsPerSource: options.callsPerSource ?? 2,
      initialBatch: options.initialBatch ?? 4,
      maxBatch: Math.min(64, options.maxBatch ?? 16),
      targetBatchMs: options.targetBatchMs ?? 1_000,
      hedgeMarginMs: options.hedgeMarginMs ?? 3_000,
      hedgeAfterMs: options.hedgeAfterMs ?? 500,
      tickMs: options.tickMs ?? 100,
      openDeadlineMs: options.openDeadlineMs ?? 10_000,
      batchDeadlineMs: options.batchDeadlineMs ?? 30_000,
    };
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
      sources: this.#sources.map((s) => ({
        peer: s.client.peer ? String(s.client.peer) : "",
        url: s.url,
        state: s.state,
        ...(s.reason !== undefined ? { reason: s.reason } : {}),
        bytes: s.bytes,
        chunks: s.chunks,
        rateBps: Math.round(s.rateBps),
        rttMs: Math.round(s.rttMs),
        inFlight: s.batches.size,
      })),
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

  // -- sources ----------------------------------------------------------------------------------

  async #start() {
    if (this.#complete()) {
      this.#finish();
      return;
    }
    this.#timer = setInterval(() => this.#tick(), this.#o.tickMs);
    const opened = [];
    while (this.#activeOrOpening() < this.#o.maxSources && this.#candidates.length > 0) {
      opened.push(this.#openNext());
    }
    // Resolves with the first source open, or once every open failed.
    await new Promise((resolve) => {
      let left = opened.length;
      if (left === 0) resolve();
      for (const p of opened) {
        p.then((ok) => {
          left--;
          if (ok || left === 0) resolve();
        });
      }
    });
    // Failed opens took the next candidates themselves; wait for those as well.
    while (!this.#sources.some((s) => s.state === "active") && this.#opening > 0 && !this.#failure) {
      await new Promise((r) => setTimeout(r, this.#o.tickMs));
    }
    this.#checkHopeless();
    if (this.#failure && !this.#complete()) {
      const e = this.#failure;
      this.close();
      throw e;
    }
  }

  #refusedAtManifest(c, e) {
    const s = new Source(c.url, c.client, this.#o.initialBatch);
    this.#sources.push(s);
    s.state = "dropped";
    s.reason = `MANIFEST: ${e.message}`;
    this.#emit({ type: "source-dropped", peer: s.peerText, url: s.url, reason: s.reason });
  }

  #activeOrOpening() {
    return this.#sources.filter((s) => s.state === "active").length + this.#opening;
  }

  /** Opens a session at the next candidate. @returns {Promise<boolean>} whether it opened */
  async #openNext() {
    const c = this.#candidates.shift();
    const s = new Source(c.url, c.client, this.#o.initialBatch);
    this.#sources.push(s);
    this.#opening++;
    try {
      const opened = await c.client.openStream(this.#trackId, {
        chunkCount: this.chunkCount,
        deadlineMs: this.#o.openDeadlineMs,
      });
      this.#opening--;
      if (this.#closed || this.#failure) return false;
      if (opened.size !== 0 && opened.size !== this.size) {
        this.#drop(s, `SIZE_MISMATCH: it states ${opened.size} bytes, the manifest ${this.size}`);
        return false;
      }
      s.stream = opened;
      s.state = this.#complete() ? "done" : "active";
      this.#emit({ type: "source-added", peer: s.peerText, url: s.url });
      this.#pump();
      this.#checkHopeless();
      return true;
    } catch (e) {
      this.#opening--;
      if (this.#closed) return false;
      this.#drop(s, `OPEN: ${e.message}`);
      return false;
    }
  }

  /** Drops a source for good: its batches are aborted and their chunks go back to the queue. */
  #drop(s, reason) {
    if (s.state === "dropped") return;
    s.state = "dropped";
    s.reason = reason;
    for (const b of [...s.batches]) this.#abortBatch(b, "its source was dropped");
    this.#emit({ type: "source-dropped", peer: s.peerText, url: s.url, reason });
    if (this.#closed || this.#complete()) return;
    while (this.#activeOrOpening() < this.#o.maxSources && this.#candidates.length > 0) {
      this.#openNext();
    }
    this.#pump();
    this.#checkHopeless();
  }

  #tick() {
    if (this.#closed || this.#failure || this.#complete()) return;
    const now = this.#o.now();
    for (const s of this.#sources) {
      if (s.state === "active" && s.batches.size > 0 && now - s.lastDataAt > this.#o.stallMs) {
        this.#drop(s, `STALLED: no data for ${now - s.lastDataAt} ms with chunks due`);
      }
    }
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
    const active = this.#sources
      .filter((s) => s.state === "active")
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
    if (error) {
      this.#drop(s, error.message);
      return;
    }
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
    for (const s of this.#sources) {
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
    if (this.#closed || this.#failure || this.#complete() || this.#opening > 0) return;
    const active = this.#sources.filter((s) => s.state === "active");
    if (this.#candidates.length > 0) {
      if (active.length === 0) {
        this.#openNext();
        return;
      }
      for (let i = 0; i < this.chunkCount; i++) {
        if (this.#board.state(i) === MISSING && !active.some((s) => this.#canServe(s, i))) {
          this.#openNext();
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
    for (const s of this.#sources) {
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
