// A light client of one full peer over gRPC-Web: every request signed by the page's identity,
// every answer opened by the rules of PROTOCOL.md section 2 and held to the peer called.
import { create } from "@bufbuild/protobuf";
import * as base58 from "./base58.js";
import { compare, randomBytes, toHex } from "./bytes.js";
import { EnvelopeError, EnvelopeOpener, EnvelopeSealer } from "./envelope.js";
import { callStreaming, callUnary, GrpcWebError, Status } from "./grpcweb.js";
import { PeerId } from "./identity.js";
import { CHUNK_SIZE, HASH_LENGTH, VerifiedManifest } from "./merkle.js";
import {
  ListTracksSchema,
  ManifestRequestSchema,
  PeerExchangeSchema,
  PeerRecordSchema,
  Role,
  SearchQuerySchema,
  StreamOpenSchema,
  TransportKind,
} from "./gen/loudp2p/v1/wire_pb.js";
import { SESSION_ID_LENGTH, fetchChunkBatch } from "./stream.js";

/** How long this client's own record is valid, as loudp2p's records are. */
export const RECORD_LIFETIME_MS = 60 * 60 * 1000;
/** A record with less than this left is signed anew before it is sent. */
const RECORD_RENEW_MS = 10 * 60 * 1000;
/** Most tracks one ListTracks page holds, and the page size asked for. */
export const LIST_PAGE = 100;
/** Most tracks gathered from one peer (100 full pages), as loudp2p gathers. */
export const MAX_LISTED_TRACKS = 10_000;
/** Records of other peers read from one PeerExchange. */
export const EXCHANGE_SAMPLE = 32;
/** Hits read from one SearchHits, sources read from one hit, tracks an asker collects. */
export const MAX_HITS = 50;
export const MAX_SOURCES = 8;
/** Largest StreamOpen envelope a source keeps (PROTOCOL.md section 3). */
export const MAX_STREAM_OPEN_BYTES = 1024;
/** What a light peer asks its full peer for (PROTOCOL.md section 3.4). */
export const SEARCH_TTL = 7;
export const SEARCH_WALKERS = 8;

/**
 * An answer that opened but breaks a rule of its message (PROTOCOL.md section 3): `reason` is
 * `MALFORMED_ANSWER`, the message starts with it.
 */
export class AnswerError extends Error {
  /** @param {string} detail */
  constructor(detail) {
    super(`MALFORMED_ANSWER: ${detail}`);
    this.name = "AnswerError";
    this.reason = "MALFORMED_ANSWER";
  }
}

/**
 * A track as a peer lists it or a hit names it.
 * @typedef {object} Track
 * @property {Uint8Array} trackId 32 bytes, the Merkle root of its chunks
 * @property {string} id the track ID's text form (Base58)
 * @property {number} size bytes
 * @property {import("./gen/loudp2p/v1/wire_pb.js").TrackMetadata | undefined} metadata as the
 *   signing peer says; not covered by the track ID
 */

/**
 * The light client of one full peer. Calls run concurrently; they share one replay memory, so
 * an answer replayed into another call is refused.
 */
export class LightClient {
  #url;
  #sealer;
  #opener;
  #fetch;
  #text;
  #deadlineMs;
  #now;
  /** @type {PeerId | null} */ #peer;
  /** @type {{envelope: object, expiresAtMs: number} | null} */ #record = null;
  #sequence = 0;

  /**
   * @param {object} options
   * @param {string} options.url the full peer's gRPC-Web address, such as `http://127.0.0.1:8080`
   * @param {import("./identity.js").Identity} options.identity the page's identity
   * @param {PeerId | string} [options.peer] the peer expected at `url`; every answer must be
   *   signed by it. Without it, the peer that signs the first answer is taken and every later
   *   answer held to it, as a loudp2p peer does with a bootstrap address that names no ID.
   * @param {() => number} [options.now] the clock, ms since the epoch
   * @param {typeof fetch} [options.fetch]
   * @param {boolean} [options.text] use `application/grpc-web-text`
   * @param {number} [options.deadlineMs] each unary call's deadline (default 10 s)
   */
  constructor({ url, identity, peer, now = Date.now, fetch, text = false, deadlineMs = 10_000 }) {
    this.#url = url;
    this.#now = now;
    this.#sealer = new EnvelopeSealer(identity, { now });
    this.#opener = new EnvelopeOpener({ now });
    this.#fetch = fetch ?? ((...args) => globalThis.fetch(...args));
    this.#text = text;
    this.#deadlineMs = deadlineMs;
    this.#peer = peer === undefined ? null : typeof peer === "string" ? PeerId.parse(peer) : peer;
  }

  /** @returns {PeerId | null} the peer answers are held to, once known */
  get peer() {
    return this.#peer;
  }

  /** @returns {string} the peer's gRPC-Web address */
  get url() {
    return this.#url;
  }

  /** @returns {PeerId} this client's own peer ID */
  get peerId() {
    return this.#sealer.identity.peerId;
  }

  /**
   * Greets the peer with this client's signed record (a LIGHT record without endpoints: a page
   * accepts no calls) and learns the peer's record and its sample of others.
   * @param {{deadlineMs?: number, signal?: AbortSignal}} [options]
   * @returns {Promise<{peer: PeerId, record: import("./envelope.js").SignedPeerRecord | null,
   *   sample: import("./envelope.js").SignedPeerRecord[], refused: EnvelopeError[],
   *   observedAddress: {ip: string, port: number} | null}>} `refused`: records of the answer
   *   dropped one by one (the rest of the answer still counts)
   */
  async exchangePeers(options = {}) {
    const body = create(PeerExchangeSchema, { selfRecord: this.#selfRecord() });
    const m = await this.#unary("ExchangePeers", { case: "peerExchange", value: body }, options);
    const pe = m.payload.body.value;
    const refused = [];
    let record = null;
    if (pe.selfRecord) {
      const r = this.#openRecord(pe.selfRecord, refused);
      if (r && !r.peerId.equals(m.sender)) {
        refused.push(new EnvelopeError("SENDER_MISMATCH", `the self record of ${r.peerId}, sent by ${m.sender}`));
      } else {
        record = r;
      }
    }
    const sample = [];
    for (const e of pe.sample.slice(0, EXCHANGE_SAMPLE)) {
      const r = this.#openRecord(e, refused);
      if (r) sample.push(r);
    }
    const o = pe.observedAddress;
    return {
      peer: m.sender,
      record,
      sample,
      refused,
      observedAddress: o && (o.ip.length === 4 || o.ip.length === 16)
        ? { ip: formatIp(o.ip), port: o.port }
        : null,
    };
  }

  /**
   * Lists every track the peer shares, page after page in the order of their IDs.
   * @param {{deadlineMs?: number, signal?: AbortSignal}} [options] per page
   * @returns {Promise<{tracks: Track[], total: number}>}
   * @throws {AnswerError} for a page of more than 100 tracks, a track ID of other than 32 bytes,
   *   or IDs not in ascending order after the page's start
   */
  async listTracks(options = {}) {
    const tracks = [];
    let after = new Uint8Array(0);
    let total = 0;
    for (;;) {
      const body = create(ListTracksSchema, { after, limit: LIST_PAGE });
      const m = await this.#unary("ListTracks", { case: "listTracks", value: body }, options);
      const page = m.payload.body.value;
      total = page.total;
      if (page.tracks.length > LIST_PAGE) {
        throw new AnswerError(`a page of ${page.tracks.length} tracks, at most ${LIST_PAGE}`);
      }
      for (const t of page.tracks) {
        if (t.trackId.length !== HASH_LENGTH) {
          throw new AnswerError(`a track ID of ${t.trackId.length} bytes`);
        }
        if (after.length > 0 && compare(t.trackId, after) <= 0) {
          throw new AnswerError("track IDs not in ascending order after the page's start");
        }
        after = t.trackId;
        tracks.push(track(t));
      }
      if (page.tracks.length < LIST_PAGE || tracks.length >= MAX_LISTED_TRACKS) break;
    }
    return { tracks, total };
  }

  /**
   * Searches through the peer (it answers and forwards: PROTOCOL.md section 3.2), as a light
   * peer asks its full peer: TTL 7, 8 random walkers. Hits are merged by track ID, their sources
   * united; `onHit` runs for every hit as it arrives, with the merged track. Completes when the
   * peer ends the stream, at the deadline, or once 50 tracks are known.
   * @param {string} query words; every one must start a word of the title, artist or album
   * @param {(hit: Track & {sources: import("./envelope.js").SignedPeerRecord[], score: number},
   *   from: PeerId) => void} [onHit]
   * @param {{deadlineMs?: number, signal?: AbortSignal,
   *   onRefused?: (error: Error) => void}} [options] the deadline defaults to the TTL's 8 s and
   *   2 s more; `onRefused` hears of each answer or record dropped
   * @returns {Promise<Array<Track & {sources: import("./envelope.js").SignedPeerRecord[]}>>}
   */
  async search(query, onHit = () => {}, options = {}) {
    const terms = query.trim().split(/\s+/).filter((t) => t.length > 0);
    if (terms.length < 1 || terms.length > 16) throw new RangeError("a query has 1 to 16 terms");
    for (const t of terms) {
      if ([...t].length > 64) throw new RangeError(`a term of more than 64 characters: ${t}`);
    }
    const queryId = randomBytes(16);
    const body = create(SearchQuerySchema, {
      queryId,
      terms,
      ttl: SEARCH_TTL,
      maxResults: MAX_HITS,
      walkers: SEARCH_WALKERS,
    });
    const request = this.#sealer.seal({ case: "searchQuery", value: body });
    const { onRefused = () => {}, signal, deadlineMs = (SEARCH_TTL + 1) * 1000 + 2000 } = options;
    /** @type {Map<string, any>} */
    const merged = new Map();
    const enough = new AbortController();
    const onAbort = () => enough.abort();
    signal?.addEventListener("abort", onAbort);
    const refuse = (e) => {
      try {
        onRefused(e);
      } catch {
        // A listener's failure is its own.
      }
    };
    try {
      await callStreaming(this.#url, "Search", request, (bytes) => {
        let m;
        try {
          m = this.#openAnswer(bytes, "Search");
        } catch (e) {
          if (e instanceof EnvelopeError) return refuse(e); // dropped; the stream goes on
          throw e;
        }
        const hits = m.payload.body.value;
        if (toHex(hits.queryId) !== toHex(queryId)) {
          return refuse(new AnswerError("hits for another query"));
        }
        for (const h of hits.hits.slice(0, MAX_HITS)) {
          if (h.trackId.length !== HASH_LENGTH) {
            refuse(new AnswerError(`a hit with a track ID of ${h.trackId.length} bytes`));
            continue;
          }
          const key = toHex(h.trackId);
          let t = merged.get(key);
          if (!t) {
            if (merged.size >= MAX_HITS) continue;
            t = { ...track(h), sources: [], score: h.score };
            merged.set(key, t);
          }
          for (const e of h.sources.slice(0, MAX_SOURCES)) {
            const r = this.#openRecord(e, null, refuse);
            if (r && !t.sources.some((s) => s.peerId.equals(r.peerId))) t.sources.push(r);
          }
          onHit(t, m.sender);
        }
        if (merged.size >= MAX_HITS) enough.abort();
      }, {
        deadlineMs,
        signal: enough.signal,
        text: this.#text,
        fetch: this.#fetch,
      });
    } catch (e) {
      const done = e instanceof GrpcWebError
        && (e.code === Status.DEADLINE_EXCEEDED
          || (e.code === Status.CANCELLED && enough.signal.aborted && !signal?.aborted));
      if (!done) throw e;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    return [...merged.values()];
  }

  /**
   * The manifest of a track, its leaf hashes checked against the track ID (PROTOCOL.md section
   * 4), and which chunks the peer can serve.
   * @param {Uint8Array | string} trackId 32 bytes or their Base58 text form
   * @param {{deadlineMs?: number, signal?: AbortSignal}} [options]
   * @returns {Promise<{manifest: VerifiedManifest, availability: {complete: boolean,
   *   has: (index: number) => boolean}}>}
   * @throws {import("./merkle.js").ManifestError} when the manifest does not commit to the track
   */
  async getManifest(trackId, options = {}) {
    const id = typeof trackId === "string" ? base58.decode(trackId) : trackId;
    if (id.length !== HASH_LENGTH) throw new RangeError(`a track ID has 32 bytes, not ${id.length}`);
    const body = create(ManifestRequestSchema, { trackId: id });
    const m = await this.#unary("GetManifest", { case: "manifestRequest", value: body }, options);
    const answer = m.payload.body.value;
    if (!answer.manifest) throw new AnswerError("a manifest response without a manifest");
    const manifest = VerifiedManifest.check(answer.manifest, id);
    const complete = answer.availability?.complete ?? false;
    const bitmap = answer.availability?.bitmap ?? new Uint8Array(0);
    return {
      manifest,
      availability: {
        complete,
        has: (i) =>
          i >= 0 && i < manifest.chunkCount
          && (complete || (((bitmap[i >> 3] ?? 0) >> (i & 7)) & 1) === 1),
      },
    };
  }

  /**
   * Opens a data session for a track at this peer (PROTOCOL.md sections 3 and 5, "Chunk
   * batches"): a signed StreamOpen with 16 random session ID bytes that offers `GRPC` alone (a page
   * has no UDP socket, so it sends neither a UDP endpoint nor an ephemeral key: the key is for the
   * UDP session keys, and an empty one is allowed). The signed StreamAccept must come from this
   * peer, name the same session, choose `GRPC`, and carry a chunk map that fits the track. The
   * session is then fetched at this same address with
   * {@link import("./stream.js").fetchChunkBatch}; the accept's `data_endpoint` (the native
   * `FetchChunks` address) is not used by a page.
   * @param {Uint8Array | string} trackId 32 bytes or their Base58 text form
   * @param {{chunkCount?: number, deadlineMs?: number, signal?: AbortSignal}} [options]
   *   `chunkCount`: the track's, from its manifest, to check the chunk map against (else it is
   *   taken from the size the source states, when it states one)
   * @returns {Promise<{sessionId: Uint8Array, handshake: Uint8Array, availability: {complete:
   *   boolean, has: (index: number) => boolean}, size: number}>} `handshake`: the signed request
   *   envelope's bytes exactly as sent, which every batch of the session carries; `size`: the
   *   track's size as the source states it (0: not stated)
   * @throws {EnvelopeError} an answer that does not open (a bad signature, another peer...)
   * @throws {AnswerError} an accept of another session, another transport or a chunk map that
   *   does not fit the track
   */
  async openStream(trackId, options = {}) {
    const id = typeof trackId === "string" ? base58.decode(trackId) : trackId;
    if (id.length !== HASH_LENGTH) throw new RangeError(`a track ID has 32 bytes, not ${id.length}`);
    const sessionId = randomBytes(SESSION_ID_LENGTH);
    const body = create(StreamOpenSchema, {
      trackId: id,
      sessionId,
      offeredTransports: [TransportKind.GRPC],
    });
    const handshake = this.#sealer.seal({ case: "streamOpen", value: body });
    if (handshake.length > MAX_STREAM_OPEN_BYTES) {
      throw new RangeError(`a StreamOpen of ${handshake.length} bytes, at most ${MAX_STREAM_OPEN_BYTES}`);
    }
    const m = await this.#call("OpenStream", handshake, options);
    const accept = m.payload.body.value;
    if (compare(accept.sessionId, sessionId) !== 0) {
      throw new AnswerError("a stream accept of another session");
    }
    if (accept.transport !== TransportKind.GRPC) {
      throw new AnswerError(`a stream accept that chose transport ${accept.transport}, only GRPC was offered`);
    }
    const size = Number(accept.size);
    const chunkCount = options.chunkCount ?? (size > 0 ? Math.ceil(size / CHUNK_SIZE) : undefined);
    const complete = accept.availability?.complete ?? false;
    const bitmap = Uint8Array.from(accept.availability?.bitmap ?? []);
    if (!complete && chunkCount !== undefined) {
      if (bitmap.length > Math.ceil(chunkCount / 8)) {
        throw new AnswerError(`a chunk map of ${bitmap.length} bytes for ${chunkCount} chunks`);
      }
      for (let i = chunkCount; i < bitmap.length * 8; i++) {
        if ((bitmap[i >> 3] >> (i & 7)) & 1) {
          throw new AnswerError(`a chunk map that holds chunk ${i} of a track of ${chunkCount}`);
        }
      }
    }
    return {
      sessionId,
      handshake,
      availability: {
        complete,
        has: (i) =>
          Number.isInteger(i) && i >= 0 && (chunkCount === undefined || i < chunkCount)
          && (complete || (((bitmap[i >> 3] ?? 0) >> (i & 7)) & 1) === 1),
      },
      size,
    };
  }

  /**
   * {@link fetchChunkBatch} at this peer's address, with this client's fetch and form.
   * @param {{sessionId: Uint8Array, handshake: Uint8Array, want: number[]}} request
   * @param {(index: number, bytes: Uint8Array) => void} onChunk runs for verified chunks only
   * @param {import("./stream.js").BatchOptions} options `manifest` is required
   * @returns {Promise<{chunks: number[], unavailable: number[]}>}
   */
  fetchChunkBatch(request, onChunk, options) {
    return fetchChunkBatch(this.#url, request, onChunk, {
      text: this.#text,
      fetch: this.#fetch,
      ...options,
    });
  }

  /** Seals, calls, opens the one answer. */
  async #unary(method, body, options = {}) {
    return this.#call(method, this.#sealer.seal(body), options);
  }

  /** Calls with a sealed request, opens the one answer. */
  async #call(method, request, { deadlineMs = this.#deadlineMs, signal } = {}) {
    const bytes = await callUnary(this.#url, method, request, {
      deadlineMs,
      signal,
      text: this.#text,
      fetch: this.#fetch,
    });
    return this.#openAnswer(bytes, method);
  }

  #openAnswer(bytes, method) {
    const m = this.#opener.openAnswer(bytes, method, this.#peer);
    this.#peer ??= m.sender;
    return m;
  }

  #openRecord(envelope, refused, onRefused) {
    try {
      return this.#opener.openRecord(envelope);
    } catch (e) {
      if (!(e instanceof EnvelopeError)) throw e;
      refused?.push(e);
      onRefused?.(e);
      return null;
    }
  }

  /**
   * This client's record: LIGHT, no endpoints (section 2 allows none; a page accepts no calls),
   * signed anew when less than 10 minutes of it are left, with a higher sequence each time.
   */
  #selfRecord() {
    const now = this.#now();
    if (this.#record && this.#record.expiresAtMs - now > RECORD_RENEW_MS) {
      return this.#record.envelope;
    }
    this.#sequence = Math.max(this.#sequence + 1, now);
    const expiresAtMs = now + RECORD_LIFETIME_MS;
    const envelope = this.#sealer.sealRecord(create(PeerRecordSchema, {
      sequence: BigInt(this.#sequence),
      expiresAtMs: BigInt(expiresAtMs),
      role: Role.LIGHT,
      endpoints: [],
    }));
    this.#record = { envelope, expiresAtMs };
    return envelope;
  }
}

/** @returns {Track} */
function track(t) {
  return {
    trackId: Uint8Array.from(t.trackId),
    id: base58.encode(t.trackId),
    size: Number(t.size),
    metadata: t.metadata,
  };
}

/** @param {Uint8Array} ip 4 or 16 bytes @returns {string} */
export function formatIp(ip) {
  if (ip.length === 4) return ip.join(".");
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i] << 8) | ip[i + 1]).toString(16));
  return groups.join(":");
}
