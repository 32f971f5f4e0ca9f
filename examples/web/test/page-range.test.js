import assert from "node:assert/strict";
import { test } from "node:test";
import { answerRange, bodyPieces, mediaTypeOf, parseRange } from "../src/page/range.js";

const SIZE = 100_000;

test("parseRange reads the forms a media element sends", () => {
  assert.deepEqual(parseRange("bytes=0-", SIZE), { kind: "range", start: 0, end: SIZE - 1, open: true });
  assert.deepEqual(parseRange("bytes=10-19", SIZE), { kind: "range", start: 10, end: 19, open: false });
  assert.deepEqual(parseRange("bytes=10-999999", SIZE), { kind: "range", start: 10, end: SIZE - 1, open: false });
  assert.deepEqual(parseRange("bytes=-500", SIZE), { kind: "range", start: SIZE - 500, end: SIZE - 1, open: false });
  assert.deepEqual(parseRange("bytes=-999999", SIZE), { kind: "range", start: 0, end: SIZE - 1, open: false });
  assert.deepEqual(parseRange(" Bytes = 5 - 6 ", SIZE), { kind: "range", start: 5, end: 6, open: false });
  assert.deepEqual(parseRange("bytes=0-1, 5-6", SIZE), { kind: "range", start: 0, end: 1, open: false });
});

test("parseRange ignores what it cannot read and refuses what lies past the end", () => {
  for (const h of [null, undefined, "", "items=0-1", "bytes=", "bytes=-", "bytes=a-b", "bytes=20-10"]) {
    assert.deepEqual(parseRange(h, SIZE), { kind: "none" }, String(h));
  }
  assert.deepEqual(parseRange(`bytes=${SIZE}-`, SIZE), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=-0", SIZE), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=0-", 0), { kind: "unsatisfiable" });
});

test("answerRange: 206 with Content-Range, an open range bounded", () => {
  const a = answerRange({ range: "bytes=0-", size: 5_000_000, contentType: "audio/flac" });
  assert.equal(a.status, 206);
  assert.equal(a.start, 0);
  assert.equal(a.end, 1024 * 1024 - 1);
  assert.equal(a.headers["Content-Range"], `bytes 0-${1024 * 1024 - 1}/5000000`);
  assert.equal(a.headers["Content-Length"], String(1024 * 1024));
  assert.equal(a.headers["Accept-Ranges"], "bytes");
  assert.equal(a.headers["Content-Type"], "audio/flac");

  const tail = answerRange({ range: "bytes=4900000-", size: 5_000_000, contentType: "audio/flac" });
  assert.equal(tail.headers["Content-Range"], "bytes 4900000-4999999/5000000");
  assert.equal(tail.headers["Content-Length"], "100000");

  const closed = answerRange({ range: "bytes=100-4999999", size: 5_000_000, contentType: "audio/wav" });
  assert.equal(closed.end, 4_999_999, "a closed range is answered whole");
});

test("answerRange: 200 without a Range, 416 past the end", () => {
  const whole = answerRange({ range: null, size: 1234, contentType: "audio/wav" });
  assert.equal(whole.status, 200);
  assert.deepEqual([whole.start, whole.end], [0, 1233]);
  assert.equal(whole.headers["Content-Length"], "1234");
  assert.equal(whole.headers["Content-Range"], undefined);

  const past = answerRange({ range: "bytes=1234-", size: 1234, contentType: "audio/wav" });
  assert.equal(past.status, 416);
  assert.equal(past.headers["Content-Range"], "bytes */1234");
  assert.ok(past.end < past.start);
});

function trackBytes(size) {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

async function collect(it) {
  const parts = [];
  for await (const p of it) parts.push(p);
  return parts;
}

test("bodyPieces reads in step-aligned pieces and gives exactly the range", async () => {
  const track = trackBytes(300_000);
  const calls = [];
  const read = async (offset, length) => {
    calls.push([offset, length]);
    return track.slice(offset, Math.min(track.length, offset + length));
  };
  const parts = await collect(bodyPieces(read, 1000, 200_000, 65_536));
  const body = Buffer.concat(parts);
  assert.deepEqual(new Uint8Array(body), track.subarray(1000, 200_001));
  assert.deepEqual(calls[0], [1000, 65_536 - 1000]);
  assert.ok(calls.slice(1).every(([o]) => o % 65_536 === 0), "later reads start on a step");
});

test("bodyPieces stops reading when its consumer stops (a seek)", async () => {
  const track = trackBytes(1_000_000);
  let reads = 0;
  const read = async (o, l) => (reads++, track.slice(o, o + l));
  const it = bodyPieces(read, 0, 999_999, 16_384);
  await it.next();
  await it.next();
  await it.return(undefined);
  assert.equal(reads, 2);
});

test("bodyPieces fails when the track ends before the range", async () => {
  const read = async (o, l) => new Uint8Array(Math.max(0, Math.min(l, 100 - o)));
  await assert.rejects(collect(bodyPieces(read, 0, 199, 64)), /no bytes at 100/);
});

test("every range of a seeking player is answered with the track's own bytes", async () => {
  const track = trackBytes(3_000_001);
  const read = async (o, l) => track.slice(o, Math.min(track.length, o + l));
  for (const range of ["bytes=0-", "bytes=2999990-", "bytes=1048576-", "bytes=123457-", "bytes=5-5", "bytes=-3"]) {
    const a = answerRange({ range, size: track.length, contentType: "audio/wav" });
    const body = new Uint8Array(Buffer.concat(await collect(bodyPieces(read, a.start, a.end))));
    const [, s, e] = /bytes (\d+)-(\d+)\/\d+/.exec(a.headers["Content-Range"]).map(Number);
    assert.equal(body.length, Number(a.headers["Content-Length"]), range);
    assert.deepEqual(body, track.subarray(s, e + 1), range);
  }
});

test("mediaTypeOf: the metadata's type, else the codec's, else the bytes'", () => {
  assert.equal(mediaTypeOf({ mediaType: "audio/mpeg", codec: "flac" }), "audio/mpeg");
  assert.equal(mediaTypeOf({ mediaType: "", codec: "FLAC" }), "audio/flac");
  assert.equal(mediaTypeOf({ codec: "opus" }), "audio/ogg");
  assert.equal(mediaTypeOf({ codec: "wav" }), "audio/wav");
  const ascii = (s) => new TextEncoder().encode(s);
  assert.equal(mediaTypeOf(undefined, ascii("RIFF....WAVE")), "audio/wav");
  assert.equal(mediaTypeOf({}, ascii("fLaC")), "audio/flac");
  assert.equal(mediaTypeOf({}, ascii("OggS")), "audio/ogg");
  assert.equal(mediaTypeOf({}, ascii("ID3\x04")), "audio/mpeg");
  assert.equal(mediaTypeOf({}, Uint8Array.of(0xff, 0xfb, 0x90, 0x00)), "audio/mpeg");
  assert.equal(mediaTypeOf({}, ascii("????")), "application/octet-stream");
  assert.equal(mediaTypeOf({ mediaType: "not a type" }), "application/octet-stream");
});
