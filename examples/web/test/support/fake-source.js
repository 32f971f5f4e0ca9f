// In-process full peers that serve one track over gRPC-Web as PROTOCOL.md section 5 says
// (GetManifest, OpenStream, FetchChunkBatch), behind one fetch function, for the chunk path's
// tests. Each can be told to misbehave: a corrupt chunk, a stall, a vanishing act, missing chunks.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { concat, equal, utf8 } from "../../src/bytes.js";
import { EnvelopeOpener, EnvelopeSealer } from "../../src/envelope.js";
import { PROTO, SERVICE, TRAILER_FLAG, encodeFrame } from "../../src/grpcweb.js";
import { Identity } from "../../src/identity.js";
import { CHUNK_SIZE, leafHash, trackIdOf } from "../../src/merkle.js";
import {
  ChunkMapSchema,
  ChunkRequestSchema,
  DataFrameSchema,
  EndpointSchema,
  ManifestResponseSchema,
  ManifestSchema,
  StreamAcceptSchema,
  TransportKind,
} from "../../src/gen/loudp2p/v1/wire_pb.js";

/** @param {Uint8Array} bytes a track @returns {import("../../src/gen/loudp2p/v1/wire_pb.js").Manifest} */
export function manifestOf(bytes) {
  const leaves = [];
  for (let at = 0; at < bytes.length; at += CHUNK_SIZE) {
    leaves.push(leafHash(bytes.subarray(at, Math.min(bytes.length, at + CHUNK_SIZE))));
  }
  return create(ManifestSchema, {
    trackId: trackIdOf(bytes),
    size: BigInt(bytes.length),
    chunkSize: CHUNK_SIZE,
    leafHashes: concat(...leaves),
  });
}

/** @param {number} n @param {number} seed @returns {Uint8Array} n bytes, the same for a seed */
export function trackBytes(n, seed = 1) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * How a fake source behaves; every hook is optional.
 * @typedef {object} Behaviour
 * @property {(index: number) => boolean} [has] which chunks it holds (default all); the others
 *   are answered `unavailable` and left out of its chunk map
 * @property {(index: number) => boolean} [missing] chunks its map lists but that it answers
 *   `unavailable` all the same
 * @property {(index: number) => boolean} [corrupt] chunks it sends with one byte flipped
 * @property {(index: number, call: number) => boolean} [stallAt] it stops sending (and never ends
 *   the call) just before this chunk's second piece
 * @property {(call: number) => boolean} [exhaust] FetchChunkBatch calls (counted from 0) it
 *   refuses with RESOURCE_EXHAUSTED
 * @property {boolean} [vanish] every FetchChunkBatch call's fetch rejects (the peer is gone)
 * @property {(accept: Uint8Array) => Uint8Array} [tamperAccept] changes the signed StreamAccept
 * @property {(accept: object) => void} [editAccept] changes the StreamAccept before it is signed
 * @property {number} [stateSize] the size its accept states (default the track's)
 * @property {number} [pieceDelayMs] a pause before each piece (default: a macrotask turn)
 * @property {(frames: Uint8Array[], want: number[]) => Uint8Array[]} [rewrite] replaces the
 *   DataFrames of a call (after `accepted`) with others
 */

/**
 * A fake full peer serving `bytes` at `url`.
 * @param {string} url
 * @param {Uint8Array} bytes
 * @param {Behaviour} [behaviour]
 */
export function fakeSource(url, bytes, behaviour = {}) {
  const identity = Identity.generate();
  const sealer = new EnvelopeSealer(identity);
  const opener = new EnvelopeOpener();
  const manifest = manifestOf(bytes);
  const chunkCount = Math.ceil(bytes.length / CHUNK_SIZE);
  const has = behaviour.has ?? (() => true);
  /** @type {Map<string, Uint8Array>} session ID (hex) to its handshake */
  const sessions = new Map();
  const source = {
    url,
    identity,
    peer: String(identity.peerId),
    behaviour,
    /** StreamOpen bodies received. */
    opens: [],
    /** Wants of each FetchChunkBatch call, in order. @type {number[][]} */
    batches: [],
    /** Chunks sent whole. */
    sent: 0,
    /** Calls running. */
    running: 0,
    /** Most calls running at once. */
    mostRunning: 0,
    /** Forgets every session, as a source does with one no call came for in 30 s. */
    forget: () => sessions.clear(),
    /** @type {(path: string, body: Uint8Array) => Promise<Response>} */
    handle: async (method, request) => {
      if (method === "GetManifest" || method === "OpenStream") {
        let m;
        try {
          m = opener.open(request, { method });
        } catch (e) {
          return respond([trailer(e.reason === "BAD_SIGNATURE" ? 16 : 3, e.message)]);
        }
        if (method === "GetManifest") {
          const answer = create(ManifestResponseSchema, {
            manifest,
            availability: chunkMap(chunkCount, has),
          });
          return respond([encodeFrame(sealer.seal({ case: "manifestResponse", value: answer })), trailer(0)]);
        }
        const open = m.payload.body.value;
        source.opens.push(open);
        if (!open.offeredTransports.includes(TransportKind.GRPC)) {
          return respond([trailer(3, "no data transport in common")]);
        }
        sessions.set(hex(open.sessionId), request);
        const accept = create(StreamAcceptSchema, {
          sessionId: open.sessionId,
          transport: TransportKind.GRPC,
          availability: chunkMap(chunkCount, has),
          dataEndpoint: create(EndpointSchema, {
            transport: TransportKind.GRPC,
            ip: Uint8Array.of(127, 0, 0, 1),
            port: 4001,
          }),
          size: BigInt(behaviour.stateSize ?? bytes.length),
        });
        behaviour.editAccept?.(accept);
        let sealed = sealer.seal({ case: "streamAccept", value: accept });
        if (behaviour.tamperAccept) sealed = behaviour.tamperAccept(sealed);
        return respond([encodeFrame(sealed), trailer(0)]);
      }
      if (method !== "FetchChunkBatch") return respond([trailer(12, `no method ${method}`)]);
      if (behaviour.vanish) throw new TypeError("fetch failed");
      let req;
      try {
        req = fromBinary(ChunkRequestSchema, request);
      } catch (e) {
        return respond([trailer(3, e.message)]);
      }
      if (req.sessionId.length !== 16 || req.want.length === 0 || req.cancel.length > 0) {
        return respond([trailer(3, "a session_id of 16 bytes, wants, no cancel")]);
      }
      if (req.want.length > 64) return respond([trailer(8, "at most 64 wants")]);
      source.calls = (source.calls ?? 0) + 1;
      if (behaviour.exhaust?.(source.calls - 1)) return respond([trailer(8, "too many calls of one session at once")]);
      const agreed = sessions.get(hex(req.sessionId));
      if (!agreed) return respond([trailer(9, "unknown session")]);
      if (!equal(agreed, req.handshake)) return respond([trailer(16, "another handshake")]);
      const call = source.batches.length;
      source.batches.push([...req.want]);
      const stop = {};
      stop.stopped = new Promise((resolve) => (stop.resolve = resolve));
      return respond(null, frames(req.want, call, stop), stop);
    },
  };

  async function* frames(want, call, stop) {
    source.running++;
    source.mostRunning = Math.max(source.mostRunning, source.running);
    try {
      yield encodeFrame(dataFrame({ case: "accepted", value: true }));
      let out = [];
      for (const index of want) {
        if (index >= chunkCount || !has(index) || behaviour.missing?.(index)) {
          out.push(dataFrame({ case: "unavailable", value: index }));
          continue;
        }
        const chunk = bytes.slice(index * CHUNK_SIZE, Math.min(bytes.length, (index + 1) * CHUNK_SIZE));
        if (behaviour.corrupt?.(index)) chunk[chunk.length >> 1] ^= 0x40;
        for (let at = 0; at < chunk.length; at += 1200) {
          out.push(dataFrame({
            case: "chunk",
            value: { chunkIndex: index, offset: at, data: chunk.subarray(at, Math.min(chunk.length, at + 1200)) },
          }));
        }
      }
      if (behaviour.rewrite) out = behaviour.rewrite(out, want);
      for (const f of out) {
        let d = {};
        try {
          d = fromBinary(DataFrameSchema, f).kind;
        } catch {
          // a frame a test broke on purpose
        }
        if (d.case === "chunk" && d.value.offset === 1200 && behaviour.stallAt?.(d.value.chunkIndex, call)) {
          await stop.stopped; // sends nothing more; the reader's cancel ends the call
          return;
        }
        await pause(behaviour.pieceDelayMs);
        if (stop.done) return;
        yield encodeFrame(f);
        if (d.case === "chunk" && d.value.offset + d.value.data.length === chunkLengthOf(d.value.chunkIndex)) {
          source.sent++;
        }
      }
      yield trailer(0);
    } finally {
      source.running--;
    }
  }

  function chunkLengthOf(index) {
    return Math.min(CHUNK_SIZE, bytes.length - index * CHUNK_SIZE);
  }

  return source;
}

/**
 * One fetch function in front of several fake sources, routed by the URL's origin. A call to an
 * origin no source has fails as a fetch to nowhere does.
 * @param {...ReturnType<typeof fakeSource>} sources
 * @returns {typeof fetch}
 */
export function network(...sources) {
  return async (url, init) => {
    const u = new URL(url);
    const s = sources.find((x) => new URL(x.url).origin === u.origin);
    if (!s) throw new TypeError("fetch failed");
    if (!u.pathname.startsWith(`/${SERVICE}/`)) throw new Error(`not a call: ${url}`);
    return s.handle(u.pathname.slice(`/${SERVICE}/`.length), init.body.subarray(5));
  };
}

/** A ChunkMap: complete, or the bitmap of what `has` says. */
function chunkMap(n, has) {
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  let all = true;
  for (let i = 0; i < n; i++) {
    if (has(i)) bitmap[i >> 3] |= 1 << (i & 7);
    else all = false;
  }
  return create(ChunkMapSchema, all ? { complete: true } : { bitmap });
}

/** @returns {Uint8Array} a DataFrame's bytes */
export function dataFrame(kind) {
  return toBinary(DataFrameSchema, create(DataFrameSchema, { kind }));
}

/** A 200 answer: the frames given, or those an async generator yields as it is read. */
function respond(frames, generator, stop) {
  const headers = { "content-type": PROTO };
  if (frames) return new Response(concat(...frames), { status: 200, headers });
  let stopped = false;
  const body = new ReadableStream({
    async pull(controller) {
      const { value, done } = await generator.next();
      if (stopped) return;
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel() {
      stopped = true;
      stop.done = true;
      stop.resolve();
    },
  });
  return new Response(body, { status: 200, headers });
}

function trailer(status, message = "") {
  const text = `grpc-status:${status}\r\n${message ? `grpc-message:${encodeURIComponent(message)}\r\n` : ""}`;
  return encodeFrame(utf8(text), TRAILER_FLAG);
}

function pause(ms) {
  return new Promise((r) => (ms === undefined ? setImmediate(r) : setTimeout(r, ms)));
}

function hex(b) {
  return Buffer.from(b).toString("hex");
}
