// gRPC-Web over fetch (grpc's PROTOCOL-WEB; PROTOCOL.md section 5, "gRPC-Web"): one request
// frame, answers read as they arrive, frames parsed across reads, the trailer's status.

/** gRPC status codes by name. */
export const Status = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
});
const STATUS_NAMES = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));

/** The content type of the binary form. */
export const PROTO = "application/grpc-web+proto";
/** The content type of the text (base64) form. */
export const TEXT = "application/grpc-web-text";
/** The service every loudp2p peer serves. */
export const SERVICE = "loudp2p.v1.Loudp2p";
/** Frame flag of a trailer frame. */
export const TRAILER_FLAG = 0x80;
/** Frame flag of a compressed message; never asked for, so refused. */
export const COMPRESSED_FLAG = 0x01;

/** A call that ended with a status other than OK, or failed on the way. */
export class GrpcWebError extends Error {
  /** @param {number} code a gRPC status code @param {string} message the status message */
  constructor(code, message) {
    super(`${STATUS_NAMES[code] ?? code}: ${message}`);
    this.name = "GrpcWebError";
    /** @type {number} */
    this.code = code;
    /** @type {string} the status message as the server sent it, percent-decoded */
    this.grpcMessage = message;
  }
}

/**
 * One data frame: flag 0, a 4-byte big-endian length, the message.
 * @param {Uint8Array} message
 * @returns {Uint8Array}
 */
export function encodeFrame(message, flag = 0) {
  const out = new Uint8Array(5 + message.length);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

/**
 * Cuts a response body into frames, however the body was split into reads.
 * Not thread-safe (one per call).
 */
export class FrameParser {
  /** @param {{maxMessageBytes?: number}} [options] a frame longer than this is refused */
  constructor({ maxMessageBytes = 4 << 20 } = {}) {
    this.maxMessageBytes = maxMessageBytes;
    /** @type {Uint8Array[]} */
    this.chunks = [];
    this.buffered = 0;
    /** @type {{flag: number, length: number} | null} */
    this.header = null;
  }

  /**
   * Takes the next bytes of the body.
   * @param {Uint8Array} bytes
   * @returns {Array<{flag: number, data: Uint8Array}>} the frames these bytes completed
   * @throws {GrpcWebError} RESOURCE_EXHAUSTED for a frame over the limit
   */
  push(bytes) {
    if (bytes.length > 0) {
      this.chunks.push(bytes);
      this.buffered += bytes.length;
    }
    const frames = [];
    for (;;) {
      if (this.header === null) {
        if (this.buffered < 5) break;
        const h = this.#take(5);
        const length = new DataView(h.buffer, h.byteOffset, 5).getUint32(1);
        if (length > this.maxMessageBytes) {
          throw new GrpcWebError(
            Status.RESOURCE_EXHAUSTED,
            `a frame of ${length} bytes, the limit is ${this.maxMessageBytes}`,
          );
        }
        this.header = { flag: h[0], length };
      }
      if (this.buffered < this.header.length) break;
      frames.push({ flag: this.header.flag, data: this.#take(this.header.length) });
      this.header = null;
    }
    return frames;
  }

  /** @returns {boolean} whether the bytes so far end exactly at a frame's end */
  atBoundary() {
    return this.header === null && this.buffered === 0;
  }

  /** The first n buffered bytes, removed from the buffer. */
  #take(n) {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/**
 * Decodes the text form's body: each frame is base64 on its own, padded, so padding may come in
 * the middle of the body; decoding quad by quad reads it run by run, across reads.
 */
export class Base64Runs {
  constructor() {
    this.pending = "";
  }

  /**
   * @param {string} text the next characters of the body
   * @returns {Uint8Array} the bytes of the complete quads so far
   * @throws {GrpcWebError} INTERNAL on a character that is not base64
   */
  push(text) {
    const s = this.pending + text.replace(/[\r\n\t ]/g, "");
    const whole = s.length - (s.length % 4);
    this.pending = s.slice(whole);
    const out = new Uint8Array((whole / 4) * 3);
    let n = 0;
    for (let i = 0; i < whole; i += 4) {
      const q = [0, 1, 2, 3].map((k) => {
        const c = s.charCodeAt(i + k);
        return c === 61 /* = */ ? -2 : c < 128 ? B64_INDEX[c] : -1;
      });
      if (q[0] < 0 || q[1] < 0 || q[2] === -1 || q[3] === -1 || (q[2] === -2 && q[3] !== -2)) {
        throw new GrpcWebError(Status.INTERNAL, "the grpc-web-text body is not base64");
      }
      out[n++] = (q[0] << 2) | (q[1] >> 4);
      if (q[2] >= 0) out[n++] = ((q[1] & 15) << 4) | (q[2] >> 2);
      if (q[3] >= 0) out[n++] = ((q[2] & 3) << 6) | q[3];
    }
    return out.subarray(0, n);
  }

  /** @returns {boolean} whether no partial quad is left */
  atBoundary() {
    return this.pending.length === 0;
  }
}

/**
 * Reads a trailer frame: `key:value\r\n` lines; grpc-status and the percent-decoded grpc-message.
 * @param {Uint8Array} data
 * @returns {{status: number, message: string, headers: Map<string, string>}}
 */
export function parseTrailer(data) {
  const headers = new Map();
  for (const line of new TextDecoder().decode(data).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return statusOf(headers);
}

function statusOf(headers) {
  const raw = headers.get("grpc-status");
  const status = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Status.UNKNOWN;
  return { status, message: percentDecode(headers.get("grpc-message") ?? ""), headers };
}

/**
 * Decodes a grpc-message value: percent-encoded UTF-8. A `%` not followed by two hex digits is
 * kept as it is, as gRPC's decoders do.
 * @param {string} text
 * @returns {string}
 */
export function percentDecode(text) {
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 37 && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      bytes.push(...new TextEncoder().encode(text[i]));
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** gRPC's mapping of an HTTP status without a grpc-status to a code. */
function httpStatusCode(http) {
  switch (http) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** Base64 of bytes, padded. */
function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
    s += i + 2 < bytes.length ? B64[n & 63] : "=";
  }
  return s;
}

/**
 * Options of a call.
 * @typedef {object} CallOptions
 * @property {number} [deadlineMs] how long the whole call may take (default 10 s); past it the
 *   call is aborted and fails with DEADLINE_EXCEEDED
 * @property {AbortSignal} [signal] aborts the call (CANCELLED)
 * @property {boolean} [text] use the text form (`application/grpc-web-text`)
 * @property {typeof fetch} [fetch] the fetch to use (default `globalThis.fetch`)
 * @property {number} [maxMessageBytes] largest answer message accepted (default 4 MiB)
 */

/**
 * Calls a server-streaming method and hands each answer message to `onMessage` as it arrives.
 * Resolves when the trailer says OK.
 * @param {string} baseUrl the peer's gRPC-Web address, such as `http://127.0.0.1:8080`
 * @param {string} method a method of {@link SERVICE}, such as `Search`
 * @param {Uint8Array} request the request message (a signed envelope's bytes)
 * @param {(message: Uint8Array) => void} onMessage
 * @param {CallOptions} [options]
 * @returns {Promise<void>}
 * @throws {GrpcWebError} the call's status when not OK; DEADLINE_EXCEEDED, CANCELLED,
 *   UNAVAILABLE (no connection) or INTERNAL (a broken answer) when it failed on the way
 */
export async function callStreaming(baseUrl, method, request, onMessage, options = {}) {
  const {
    deadlineMs = 10_000,
    signal,
    text = false,
    fetch: doFetch = globalThis.fetch,
    maxMessageBytes = 4 << 20,
  } = options;
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, deadlineMs);
  const onAbort = () => abort.abort();
  signal?.addEventListener("abort", onAbort);
  const stopped = () =>
    timedOut
      ? new GrpcWebError(Status.DEADLINE_EXCEEDED, `no answer within ${deadlineMs} ms`)
      : new GrpcWebError(Status.CANCELLED, "the call was cancelled");
  try {
    if (signal?.aborted) throw stopped();
    const frame = encodeFrame(request);
    let response;
    try {
      response = await doFetch(`${baseUrl.replace(/\/+$/, "")}/${SERVICE}/${method}`, {
        method: "POST",
        headers: {
          "content-type": text ? TEXT : PROTO,
          accept: text ? TEXT : PROTO,
          "x-grpc-web": "1",
          "grpc-timeout": `${Math.max(1, Math.ceil(deadlineMs))}m`,
        },
        body: text ? base64(frame) : frame,
        signal: abort.signal,
      });
    } catch (e) {
      if (abort.signal.aborted) throw stopped();
      throw new GrpcWebError(Status.UNAVAILABLE, `could not reach ${baseUrl}: ${e.message}`);
    }
    const headerStatus = response.headers.get("grpc-status");
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      if (headerStatus !== null) {
        const s = statusOf(new Map([
          ["grpc-status", headerStatus],
          ["grpc-message", response.headers.get("grpc-message") ?? ""],
        ]));
        throw new GrpcWebError(s.status, s.message);
      }
      throw new GrpcWebError(httpStatusCode(response.status), `HTTP ${response.status}`);
    }
    const type = (response.headers.get("content-type") ?? "").toLowerCase();
    const textAnswer = type.startsWith(TEXT);
    if (!type.startsWith("application/grpc-web")) {
      await response.body?.cancel().catch(() => {});
      throw new GrpcWebError(Status.UNKNOWN, `an answer of type '${type}', not gRPC-Web`);
    }
    const parser = new FrameParser({ maxMessageBytes });
    const runs = textAnswer ? new Base64Runs() : null;
    const chars = textAnswer ? new TextDecoder() : null;
    /** @type {{status: number, message: string} | null} */
    let trailer = null;
    const reader = response.body.getReader();
    // Fetch errors the body when aborted; cancelling it too ends a read under any fetch.
    const cancel = () => reader.cancel().catch(() => {});
    abort.signal.addEventListener("abort", cancel);
    try {
      for (;;) {
        let read;
        try {
          read = await reader.read();
        } catch (e) {
          if (abort.signal.aborted) throw stopped();
          throw new GrpcWebError(Status.UNAVAILABLE, `the answer broke off: ${e.message}`);
        }
        if (abort.signal.aborted) throw stopped();
        if (read.done) break;
        const bytes = runs ? runs.push(chars.decode(read.value, { stream: true })) : read.value;
        for (const f of parser.push(bytes)) {
          if (trailer !== null) {
            throw new GrpcWebError(Status.INTERNAL, "a frame after the trailer");
          }
          if (f.flag & TRAILER_FLAG) {
            trailer = parseTrailer(f.data);
          } else if (f.flag & COMPRESSED_FLAG) {
            throw new GrpcWebError(Status.INTERNAL, "a compressed answer, never asked for");
          } else if (f.flag !== 0) {
            throw new GrpcWebError(Status.INTERNAL, `a frame with flags 0x${f.flag.toString(16)}`);
          } else {
            onMessage(f.data);
          }
        }
      }
    } finally {
      abort.signal.removeEventListener("abort", cancel);
      reader.releaseLock();
    }
    if (trailer === null) {
      if (headerStatus !== null && parser.atBoundary()) {
        trailer = statusOf(new Map([
          ["grpc-status", headerStatus],
          ["grpc-message", response.headers.get("grpc-message") ?? ""],
        ]));
      } else {
        throw new GrpcWebError(Status.INTERNAL, "the answer ended without a trailer");
      }
    }
    if (!parser.atBoundary() || (runs && !runs.atBoundary())) {
      throw new GrpcWebError(Status.INTERNAL, "bytes after the trailer");
    }
    if (trailer.status !== Status.OK) throw new GrpcWebError(trailer.status, trailer.message);
  } catch (e) {
    abort.abort();
    if (e instanceof GrpcWebError) throw e;
    if (abort.signal.aborted && (timedOut || signal?.aborted)) throw stopped();
    throw e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Calls a unary method: exactly one answer message, then OK.
 * @param {string} baseUrl
 * @param {string} method
 * @param {Uint8Array} request
 * @param {CallOptions} [options]
 * @returns {Promise<Uint8Array>} the answer message
 * @throws {GrpcWebError} as {@link callStreaming}; INTERNAL for no answer or more than one
 */
export async function callUnary(baseUrl, method, request, options = {}) {
  /** @type {Uint8Array[]} */
  const answers = [];
  await callStreaming(baseUrl, method, request, (m) => {
    if (answers.length > 0) {
      throw new GrpcWebError(Status.INTERNAL, `${method} answered more than one message`);
    }
    answers.push(m);
  }, options);
  if (answers.length !== 1) {
    throw new GrpcWebError(Status.INTERNAL, `${method} ended OK without an answer`);
  }
  return answers[0];
}
