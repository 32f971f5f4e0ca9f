// HTTP Range answers for the player page's Service Worker: the <audio> element asks for
// `/stream/TRACKID` with a Range header, and the answer is cut from verified bytes that a
// `read(offset, length)` function gives (the page's swarm session, through a message channel).
// No transcoding: the browser gets the track's own bytes and does its own seeking.

/** The most bytes one answer to an open-ended range (`bytes=N-`) carries. */
export const MAX_OPEN_RANGE = 1024 * 1024;
/** The most bytes asked of `read` at once: one piece of the body. */
export const READ_STEP = 64 * 1024;

/**
 * Parses a Range header against a resource of `size` bytes (RFC 9110 section 14). Only one
 * `bytes` range is served; a list of ranges is answered with its first one, as a player never
 * asks for more.
 * @param {string | null | undefined} header
 * @param {number} size
 * @returns {{kind: "none"} | {kind: "unsatisfiable"} |
 *   {kind: "range", start: number, end: number, open: boolean}} `end` inclusive; `open` when the
 *   header named no end (`bytes=N-`)
 */
export function parseRange(header, size) {
  if (header == null || header.trim() === "") return { kind: "none" };
  const m = /^\s*bytes\s*=\s*([^,]*)/i.exec(header);
  if (!m) return { kind: "none" }; // another unit: ignored, the whole resource is sent
  const spec = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(m[1]);
  if (!spec || (spec[1] === "" && spec[2] === "")) return { kind: "none" }; // malformed: ignored
  if (spec[1] === "") {
    // A suffix: the last N bytes.
    const n = Number(spec[2]);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", start: Math.max(0, size - n), end: size - 1, open: false };
  }
  const start = Number(spec[1]);
  if (spec[2] !== "" && Number(spec[2]) < start) return { kind: "none" }; // invalid: ignored
  if (start >= size) return { kind: "unsatisfiable" };
  if (spec[2] === "") return { kind: "range", start, end: size - 1, open: true };
  return { kind: "range", start, end: Math.min(Number(spec[2]), size - 1), open: false };
}

/**
 * The answer to a request for a track of `size` bytes: status, headers, and the byte range
 * `[start, end]` its body holds (empty when `end < start`). An open-ended range is answered with
 * at most `maxOpen` bytes, a Content-Range that says so, and the browser asks again from where
 * the answer ended. A request without a Range header is answered 200 with the whole track.
 * @param {object} request
 * @param {string | null | undefined} request.range the Range header
 * @param {number} request.size
 * @param {string} request.contentType
 * @param {number} [request.maxOpen]
 * @returns {{status: number, headers: Record<string, string>, start: number, end: number}}
 */
export function answerRange({ range, size, contentType, maxOpen = MAX_OPEN_RANGE }) {
  const r = parseRange(range, size);
  const base = { "Accept-Ranges": "bytes", "Cache-Control": "no-store" };
  if (r.kind === "unsatisfiable") {
    return {
      status: 416,
      headers: { ...base, "Content-Range": `bytes */${size}`, "Content-Length": "0" },
      start: 0,
      end: -1,
    };
  }
  if (r.kind === "none") {
    return {
      status: 200,
      headers: { ...base, "Content-Type": contentType, "Content-Length": String(size) },
      start: 0,
      end: size - 1,
    };
  }
  const end = r.open ? Math.min(r.end, r.start + maxOpen - 1) : r.end;
  return {
    status: 206,
    headers: {
      ...base,
      "Content-Type": contentType,
      "Content-Length": String(end - r.start + 1),
      "Content-Range": `bytes ${r.start}-${end}/${size}`,
    },
    start: r.start,
    end,
  };
}

/**
 * The body of an answer, piece by piece: `read` is called for at most `step` bytes at a time,
 * in order, and each piece is yielded as soon as it is verified, so playback starts on the
 * first chunk rather than the last. Stops early when the consumer stops asking (a seek aborts
 * the request).
 * @param {(offset: number, length: number) => Promise<Uint8Array>} read verified bytes, clipped
 *   to the track's size
 * @param {number} start
 * @param {number} end inclusive
 * @param {number} [step]
 * @returns {AsyncGenerator<Uint8Array>}
 * @throws {Error} when `read` gives no bytes before `end` (the track is shorter than it said)
 */
export async function* bodyPieces(read, start, end, step = READ_STEP) {
  let offset = start;
  while (offset <= end) {
    // Pieces aligned to `step` boundaries after the first, so that reads line up with chunks.
    const length = Math.min(end + 1 - offset, step - (offset % step));
    const bytes = await read(offset, length);
    if (bytes.length === 0) throw new Error(`no bytes at ${offset}, before the answer's end ${end}`);
    const piece = bytes.length > length ? bytes.subarray(0, length) : bytes;
    offset += piece.length;
    yield piece;
  }
}

/**
 * The media type of a track, for the Content-Type the <audio> element decides by: the
 * metadata's own `media_type`, else its codec's, else the format its first bytes show.
 * @param {{mediaType?: string, codec?: string} | undefined} metadata
 * @param {Uint8Array} [head] the track's first bytes, when known
 * @returns {string}
 */
export function mediaTypeOf(metadata, head) {
  const declared = metadata?.mediaType?.trim();
  if (declared && /^[\w.+-]+\/[\w.+-]+/.test(declared)) return declared;
  const byCodec = {
    mp3: "audio/mpeg",
    flac: "audio/flac",
    vorbis: "audio/ogg",
    opus: "audio/ogg",
    ogg: "audio/ogg",
    wav: "audio/wav",
    aac: "audio/aac",
  }[metadata?.codec?.trim().toLowerCase() ?? ""];
  if (byCodec) return byCodec;
  if (head && head.length >= 4) {
    const ascii = String.fromCharCode(...head.subarray(0, 4));
    if (ascii === "RIFF") return "audio/wav";
    if (ascii === "fLaC") return "audio/flac";
    if (ascii === "OggS") return "audio/ogg";
    if (ascii.startsWith("ID3") || (head[0] === 0xff && (head[1] & 0xe0) === 0xe0)) {
      return "audio/mpeg";
    }
  }
  return "application/octet-stream";
}
