// The chunk path of a page (PROTOCOL.md section 5, "Chunk batches"): a session opened with a
// signed StreamOpen is fetched in FetchChunkBatch calls at the same gRPC-Web address; every chunk
// is reassembled from its frames and checked against the manifest's leaf hash before anyone sees it.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { callStreaming } from "./grpcweb.js";
import { ChunkRequestSchema, DataFrameSchema } from "./gen/loudp2p/v1/wire_pb.js";

/** Most chunks one FetchChunkBatch call may want (a loudp2p source's limit). */
export const MAX_BATCH_WANTS = 64;
/** Most data bytes of one ChunkFrame. */
export const MAX_FRAME_DATA = 1200;
/** Length of a session ID. */
export const SESSION_ID_LENGTH = 16;

/**
 * Why a source is not to be trusted any more; `reason` says which way it failed:
 * - `LYING_SOURCE`: frames that break the protocol (no `accepted` first, a chunk out of order,
 *   offsets not contiguous from 0, a piece over 1,200 bytes, a chunk longer or shorter than the
 *   manifest says, an answer to something not wanted, a batch that ended before answering every want);
 * - `CORRUPT_CHUNK`: a whole chunk that fails its leaf hash (`index` names it).
 * The message starts with the reason.
 */
export class SourceError extends Error {
  /** @param {"LYING_SOURCE" | "CORRUPT_CHUNK"} reason @param {string} detail @param {number} [index] */
  constructor(reason, detail, index) {
    super(`${reason}: ${detail}`);
    this.name = "SourceError";
    /** @type {"LYING_SOURCE" | "CORRUPT_CHUNK"} */
    this.reason = reason;
    /** @type {number | undefined} the chunk concerned, when one is */
    this.index = index;
  }
}

/**
 * Options of {@link fetchChunkBatch}.
 * @typedef {object} BatchOptions
 * @property {import("./merkle.js").VerifiedManifest} manifest the track's manifest, which every
 *   chunk is checked against (required)
 * @property {(index: number) => void} [onUnavailable] a want the source answered `unavailable`
 * @property {(bytes: number) => void} [onData] each chunk frame's data length as it arrives (to
 *   measure a source and see that it still sends)
 * @property {() => void} [onAccepted] the source's `accepted` frame arrived
 * @property {number} [deadlineMs] how long the whole call may take (default 30 s)
 * @property {AbortSignal} [signal] aborts the call (the batch fails with CANCELLED)
 * @property {boolean} [text] use `application/grpc-web-text`
 * @property {typeof fetch} [fetch]
 */

/**
 * Fetches chunks of an open session in one `FetchChunkBatch` call. The answer must be
 * `accepted`, then each wanted chunk in the order wanted, whole, in ChunkFrames of at most 1,200
 * bytes at contiguous offsets from 0, or `unavailable` for it. `onChunk` runs for a chunk only
 * once it passed `manifest.verifyChunk`.
 * @param {string} url the source's gRPC-Web address
 * @param {{sessionId: Uint8Array, handshake: Uint8Array, want: number[]}} request the session
 *   (as {@link import("./client.js").LightClient#openStream} returned it) and 1 to 64 distinct
 *   chunk indexes of the track, in the order wanted
 * @param {(index: number, bytes: Uint8Array) => void} onChunk
 * @param {BatchOptions} options
 * @returns {Promise<{chunks: number[], unavailable: number[]}>} what the source sent and what it
 *   said it does not have
 * @throws {RangeError} for a request out of its limits, before any call
 * @throws {SourceError} when the source broke the protocol or sent a corrupt chunk
 * @throws {import("./grpcweb.js").GrpcWebError} the call's status when not OK
 */
export async function fetchChunkBatch(url, request, onChunk, options) {
  const { sessionId, handshake, want } = request;
  const { manifest, onUnavailable = () => {}, onData = () => {}, onAccepted = () => {} } = options;
  if (!manifest) throw new TypeError("fetchChunkBatch needs the track's manifest");
  if (!(sessionId instanceof Uint8Array) || sessionId.length !== SESSION_ID_LENGTH) {
    throw new RangeError(`a session ID has ${SESSION_ID_LENGTH} bytes`);
  }
  if (!(handshake instanceof Uint8Array) || handshake.length === 0) {
    throw new RangeError("a batch carries the session's handshake");
  }
  if (!Array.isArray(want) || want.length < 1 || want.length > MAX_BATCH_WANTS) {
    throw new RangeError(`a batch wants 1 to ${MAX_BATCH_WANTS} chunks, not ${want?.length}`);
  }
  const seen = new Set();
  for (const i of want) {
    if (!Number.isInteger(i) || i < 0 || i >= manifest.chunkCount) {
      throw new RangeError(`no chunk ${i} in a track of ${manifest.chunkCount}`);
    }
    if (seen.has(i)) throw new RangeError(`chunk ${i} wanted twice in one batch`);
    seen.add(i);
  }
  const body = toBinary(ChunkRequestSchema, create(ChunkRequestSchema, {
    sessionId,
    handshake,
    want,
  }));
  const lying = (detail, index) => new SourceError("LYING_SOURCE", detail, index);
  let accepted = false;
  let next = 0; // the want being answered
  /** @type {Uint8Array | null} */ let chunk = null; // the one being reassembled
  let filled = 0;
  const chunks = [];
  const unavailable = [];
  await callStreaming(url, "FetchChunkBatch", body, (bytes) => {
    let frame;
    try {
      frame = fromBinary(DataFrameSchema, bytes);
    } catch (e) {
      throw lying(`a frame that is not a DataFrame: ${e.message}`);
    }
    const kind = frame.kind;
    if (!accepted) {
      if (kind.case !== "accepted" || kind.value !== true) {
        throw lying(`the first frame is ${kind.case ?? "empty"}, not accepted`);
      }
      accepted = true;
      onAccepted();
      return;
    }
    if (next >= want.length) throw lying(`a ${kind.case ?? "empty"} frame after every want was answered`);
    const index = want[next];
    if (kind.case === "unavailable") {
      if (kind.value !== index || chunk !== null) {
        throw lying(`unavailable ${kind.value} while chunk ${index} is due`, kind.value);
      }
      unavailable.push(index);
      next++;
      onUnavailable(index);
    } else if (kind.case === "chunk") {
      const { chunkIndex, offset, data } = kind.value;
      if (chunkIndex !== index) throw lying(`a piece of chunk ${chunkIndex} while chunk ${index} is due`, chunkIndex);
      if (offset !== filled) {
        throw lying(`a piece of chunk ${index} at offset ${offset}, expected ${filled}`, index);
      }
      if (data.length === 0 || data.length > MAX_FRAME_DATA) {
        throw lying(`a piece of ${data.length} bytes (1 to ${MAX_FRAME_DATA})`, index);
      }
      const length = manifest.chunkLength(index);
      if (filled + data.length > length) {
        throw lying(`chunk ${index} longer than its ${length} bytes`, index);
      }
      chunk ??= new Uint8Array(length);
      chunk.set(data, filled);
      filled += data.length;
      onData(data.length);
      if (filled === length) {
        const whole = chunk;
        chunk = null;
        filled = 0;
        next++;
        if (!manifest.verifyChunk(index, whole)) {
          throw new SourceError("CORRUPT_CHUNK", `chunk ${index} does not match its leaf hash`, index);
        }
        chunks.push(index);
        onChunk(index, whole);
      }
    } else if (kind.case === "accepted") {
      throw lying("a second accepted frame");
    } else {
      throw lying("a frame of no known kind");
    }
  }, {
    deadlineMs: options.deadlineMs ?? 30_000,
    signal: options.signal,
    text: options.text,
    fetch: options.fetch,
  });
  if (!accepted) throw lying("the batch ended OK without accepting");
  if (next < want.length) {
    throw lying(`the batch ended after ${next} of ${want.length} wants`, want[next]);
  }
  return { chunks, unavailable };
}
