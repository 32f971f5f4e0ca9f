import assert from "node:assert/strict";
import { test } from "node:test";
import { concat, utf8 } from "../src/bytes.js";
import {
  Base64Runs,
  FrameParser,
  GrpcWebError,
  PROTO,
  Status,
  TEXT,
  TRAILER_FLAG,
  callStreaming,
  callUnary,
  encodeFrame,
  parseTrailer,
  percentDecode,
} from "../src/grpcweb.js";

const trailer = (text) => encodeFrame(utf8(text), TRAILER_FLAG);
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const messages = [Uint8Array.of(1, 2, 3), new Uint8Array(0), crypto.getRandomValues(new Uint8Array(300))];
const body = concat(...messages.map((m) => encodeFrame(m)), trailer("grpc-status:0\r\n"));

/** Splits bytes at the given offsets. */
function split(bytes, cuts) {
  const parts = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    parts.push(bytes.subarray(at, c));
    at = c;
  }
  return parts;
}

function parseAll(parts, parser = new FrameParser()) {
  return parts.flatMap((p) => parser.push(p));
}

test("a frame is a flag byte, a big-endian length and the message", () => {
  assert.deepEqual([...encodeFrame(Uint8Array.of(9, 8))], [0, 0, 0, 0, 2, 9, 8]);
  const long = encodeFrame(new Uint8Array(0x010203));
  assert.deepEqual([...long.subarray(0, 5)], [0, 0, 1, 2, 3]);
});

test("frames are parsed whatever the reads split them at", () => {
  const expected = [...messages.map((data) => ({ flag: 0, data })), { flag: 0x80, data: utf8("grpc-status:0\r\n") }];
  assert.deepEqual(parseAll([body]), expected);
  for (let cut = 0; cut <= body.length; cut++) {
    assert.deepEqual(parseAll(split(body, [cut])), expected, `cut at ${cut}`);
  }
  assert.deepEqual(parseAll(split(body, Array.from({ length: body.length - 1 }, (_, i) => i + 1))), expected);
  for (let i = 0; i < 50; i++) {
    const cuts = [...new Set(Array.from({ length: 6 }, () => Math.floor(Math.random() * body.length)))].sort((a, b) => a - b);
    assert.deepEqual(parseAll(split(body, cuts)), expected);
  }
});

test("a parser knows when the bytes end inside a frame", () => {
  const p = new FrameParser();
  p.push(body.subarray(0, 7));
  assert.equal(p.atBoundary(), false);
  p.push(body.subarray(7));
  assert.equal(p.atBoundary(), true);
});

test("a frame over the limit is refused from its header, unread", () => {
  const p = new FrameParser({ maxMessageBytes: 100 });
  assert.throws(() => p.push(encodeFrame(new Uint8Array(101)).subarray(0, 5)), (e) => e.code === Status.RESOURCE_EXHAUSTED);
});

test("the text form is decoded run by run, each frame base64 on its own, across reads", () => {
  const frames = [...messages.map((m) => encodeFrame(m)), trailer("grpc-status:0\r\n")];
  const text = frames.map(b64).join("");
  assert.ok(text.slice(0, -4).includes("="), "padding inside the body");
  for (let cut = 0; cut <= text.length; cut += 3) {
    for (const second of [cut, Math.min(text.length, cut + 5)]) {
      const runs = new Base64Runs();
      const parts = [text.slice(0, cut), text.slice(cut, second), text.slice(second)];
      const decoded = concat(...parts.map((p) => runs.push(p)));
      assert.deepEqual(decoded, body, `cuts at ${cut}, ${second}`);
      assert.ok(runs.atBoundary());
    }
  }
  assert.throws(() => new Base64Runs().push("AA*A"), (e) => e.code === Status.INTERNAL);
  assert.throws(() => new Base64Runs().push("A=AA"), (e) => e.code === Status.INTERNAL);
});

test("a trailer gives grpc-status and the percent-decoded grpc-message", () => {
  const t = parseTrailer(utf8("grpc-status:16\r\ngrpc-message:BAD_SIGNATURE: caf%C3%A9 100%25 %zz\r\n"));
  assert.equal(t.status, 16);
  assert.equal(t.message, "BAD_SIGNATURE: café 100% %zz");
  assert.equal(parseTrailer(utf8("Grpc-Status: 0\r\n")).status, 0);
  assert.equal(parseTrailer(utf8("grpc-message:x\r\n")).status, Status.UNKNOWN);
  assert.equal(percentDecode("a%0D%0Ab"), "a\r\nb");
});

/**
 * A fetch that answers with `parts` one read at a time, after `gate(i)` resolves for part i,
 * and records the request.
 */
function fakeFetch(parts, { status = 200, headers = {}, type = PROTO, gate = async () => {} } = {}) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    let i = 0;
    const stream = new ReadableStream({
      async pull(controller) {
        if (i === parts.length) return controller.close();
        await gate(i);
        controller.enqueue(typeof parts[i] === "string" ? utf8(parts[i]) : parts[i]);
        i++;
      },
    });
    return new Response(stream, { status, headers: { "content-type": type, ...headers } });
  };
  return { fetch, calls };
}

test("a unary call posts one frame to the method's path and returns the one answer", async () => {
  const { fetch, calls } = fakeFetch(split(concat(encodeFrame(Uint8Array.of(7)), trailer("grpc-status:0\r\n")), [2, 6]));
  const answer = await callUnary("http://peer:1/", "ListTracks", Uint8Array.of(1, 2), { fetch });
  assert.deepEqual([...answer], [7]);
  assert.equal(calls[0].url, "http://peer:1/loudp2p.v1.Loudp2p/ListTracks");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.headers["content-type"], PROTO);
  assert.deepEqual([...calls[0].init.body], [0, 0, 0, 0, 2, 1, 2]);
});

test("a unary call with no answer or two answers fails INTERNAL", async () => {
  for (const frames of [[], [Uint8Array.of(1), Uint8Array.of(2)]]) {
    const { fetch } = fakeFetch([concat(...frames.map((f) => encodeFrame(f)), trailer("grpc-status:0\r\n"))]);
    await assert.rejects(callUnary("http://p", "GetManifest", new Uint8Array(0), { fetch }), (e) => e.code === Status.INTERNAL);
  }
});

test("a streaming call hands over each message as it arrives, before the answer ends", async () => {
  let release;
  const released = new Promise((r) => (release = r));
  const { fetch } = fakeFetch(
    [encodeFrame(Uint8Array.of(1)), encodeFrame(Uint8Array.of(2)), trailer("grpc-status:0\r\n")],
    { gate: (i) => (i === 1 ? released : undefined) },
  );
  const got = [];
  const call = callStreaming("http://p", "Search", new Uint8Array(0), (m) => {
    got.push(m[0]);
    if (m[0] === 1) release();
  }, { fetch });
  await call;
  assert.deepEqual(got, [1, 2]);
});

test("a status other than OK in the trailer fails the call with it, after the messages", async () => {
  const { fetch } = fakeFetch([encodeFrame(Uint8Array.of(5)), trailer("grpc-status:16\r\ngrpc-message:REPLAYED: nonce%20seen\r\n")]);
  const got = [];
  await assert.rejects(
    callStreaming("http://p", "Search", new Uint8Array(0), (m) => got.push(m), { fetch }),
    (e) => e instanceof GrpcWebError && e.code === 16 && e.grpcMessage === "REPLAYED: nonce seen",
  );
  assert.equal(got.length, 1);
});

test("a status in the headers of an answer without frames is the call's", async () => {
  const { fetch } = fakeFetch([], { headers: { "grpc-status": "8", "grpc-message": "busy%21" } });
  await assert.rejects(callUnary("http://p", "Search", new Uint8Array(0), { fetch }), (e) => e.code === 8 && e.grpcMessage === "busy!");
});

test("an HTTP error without a grpc-status maps to a gRPC code", async () => {
  for (const [http, code] of [[404, Status.UNIMPLEMENTED], [503, Status.UNAVAILABLE], [415, Status.UNKNOWN]]) {
    const { fetch } = fakeFetch([], { status: http });
    await assert.rejects(callUnary("http://p", "Search", new Uint8Array(0), { fetch }), (e) => e.code === code);
  }
});

test("an answer that ends without a trailer, or inside a frame, fails INTERNAL", async () => {
  for (const parts of [[encodeFrame(Uint8Array.of(1))], [encodeFrame(Uint8Array.of(1)).subarray(0, 4)]]) {
    const { fetch } = fakeFetch(parts);
    await assert.rejects(callStreaming("http://p", "Search", new Uint8Array(0), () => {}, { fetch }), (e) => e.code === Status.INTERNAL);
  }
});

test("the text form sends base64 and reads base64 runs", async () => {
  const frames = [encodeFrame(Uint8Array.of(42)), trailer("grpc-status:0\r\n")].map(b64).join("");
  const { fetch, calls } = fakeFetch([frames.slice(0, 3), frames.slice(3, 11), frames.slice(11)], { type: TEXT });
  const answer = await callUnary("http://p", "GetManifest", Uint8Array.of(1, 2, 3), { fetch, text: true });
  assert.deepEqual([...answer], [42]);
  assert.equal(calls[0].init.headers["content-type"], TEXT);
  assert.equal(calls[0].init.body, b64(encodeFrame(Uint8Array.of(1, 2, 3))));
});

test("a call past its deadline is aborted and fails DEADLINE_EXCEEDED", async () => {
  const { fetch } = fakeFetch([encodeFrame(Uint8Array.of(1)), trailer("grpc-status:0\r\n")], {
    gate: (i) => (i === 1 ? new Promise(() => {}) : undefined),
  });
  const started = Date.now();
  const got = [];
  await assert.rejects(
    callStreaming("http://p", "Search", new Uint8Array(0), (m) => got.push(m), { fetch, deadlineMs: 200 }),
    (e) => e.code === Status.DEADLINE_EXCEEDED,
  );
  assert.equal(got.length, 1);
  assert.ok(Date.now() - started < 2000);
});

test("a call whose fetch never answers fails at its deadline; a cancelled one CANCELLED", async () => {
  const hang = (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new Error("aborted"))));
  await assert.rejects(callUnary("http://p", "Search", new Uint8Array(0), { fetch: hang, deadlineMs: 50 }), (e) => e.code === Status.DEADLINE_EXCEEDED);
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 20);
  await assert.rejects(callUnary("http://p", "Search", new Uint8Array(0), { fetch: hang, signal: stop.signal }), (e) => e.code === Status.CANCELLED);
});

test("a peer that cannot be reached is UNAVAILABLE", async () => {
  const refuse = async () => {
    throw new TypeError("fetch failed");
  };
  await assert.rejects(callUnary("http://p", "Search", new Uint8Array(0), { fetch: refuse }), (e) => e.code === Status.UNAVAILABLE);
});
