import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { AnswerError, LightClient } from "../src/client.js";
import { EnvelopeError, EnvelopeOpener } from "../src/envelope.js";
import { GrpcWebError, Status } from "../src/grpcweb.js";
import { Identity } from "../src/identity.js";
import { CHUNK_SIZE, VerifiedManifest } from "../src/merkle.js";
import { MAX_BATCH_WANTS, SourceError, fetchChunkBatch } from "../src/stream.js";
import { ChunkMapSchema, ChunkRequestSchema, TransportKind } from "../src/gen/loudp2p/v1/wire_pb.js";
import { dataFrame, fakeSource, manifestOf, network, trackBytes } from "./support/fake-source.js";

const page = Identity.generate();
const bytes = trackBytes(5 * CHUNK_SIZE + 777); // six chunks, the last one short
const manifest = VerifiedManifest.check(manifestOf(bytes), manifestOf(bytes).trackId);
const chunk = (i) => bytes.subarray(i * CHUNK_SIZE, Math.min(bytes.length, (i + 1) * CHUNK_SIZE));

function setup(behaviour = {}) {
  const source = fakeSource("http://a.test", bytes, behaviour);
  const fetch = network(source);
  const client = new LightClient({ url: source.url, identity: page, peer: source.peer, fetch });
  return { source, fetch, client };
}

test("openStream signs a StreamOpen that offers GRPC alone, without a UDP endpoint or key", async () => {
  const { source, client } = setup({ has: (i) => i !== 2 });
  const opened = await client.openStream(manifest.trackId, { chunkCount: manifest.chunkCount });
  const [open] = source.opens;
  assert.deepEqual(open.offeredTransports, [TransportKind.GRPC]);
  assert.equal(open.udpEndpoint, undefined);
  assert.equal(open.ephemeralPublicKey.length, 0);
  assert.deepEqual(open.trackId, manifest.trackId);
  assert.equal(opened.sessionId.length, 16);
  assert.deepEqual(open.sessionId, opened.sessionId);
  // The handshake is the signed request exactly as it was sent.
  const m = new EnvelopeOpener().open(opened.handshake, { method: "OpenStream" });
  assert.ok(m.sender.equals(page.peerId));
  assert.deepEqual(m.payload.body.value.sessionId, opened.sessionId);
  assert.equal(opened.size, bytes.length);
  assert.equal(opened.availability.complete, false);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(opened.availability.has), [true, true, false, true, true, true, false]);
  // Two opens are two sessions.
  const again = await client.openStream(manifest.trackId);
  assert.notDeepEqual(again.sessionId, opened.sessionId);
});

test("openStream refuses an accept with a bad signature, of another session or another transport", async () => {
  const flip = (b) => {
    const c = Uint8Array.from(b);
    c[c.length - 7] ^= 1; // inside the signature, the envelope's last field
    return c;
  };
  await assert.rejects(setup({ tamperAccept: flip }).client.openStream(manifest.trackId),
    (e) => e instanceof EnvelopeError && e.reason === "BAD_SIGNATURE");
  await assert.rejects(setup({ editAccept: (a) => { a.sessionId = new Uint8Array(16); } }).client.openStream(manifest.trackId),
    (e) => e instanceof AnswerError && /another session/.test(e.message));
  await assert.rejects(setup({ editAccept: (a) => { a.transport = TransportKind.UDP; } }).client.openStream(manifest.trackId),
    (e) => e instanceof AnswerError && /transport/.test(e.message));
  await assert.rejects(setup({ editAccept: (a) => { a.availability = create(ChunkMapSchema, { bitmap: Uint8Array.of(0xff, 0xff) }); } })
    .client.openStream(manifest.trackId, { chunkCount: manifest.chunkCount }),
  (e) => e instanceof AnswerError && /chunk map/.test(e.message));
  // An accept signed by another peer than the one called.
  const other = fakeSource("http://a.test", bytes);
  const wrong = new LightClient({ url: other.url, identity: page, peer: Identity.generate().peerId, fetch: network(other) });
  await assert.rejects(wrong.openStream(manifest.trackId), (e) => e instanceof EnvelopeError && e.reason === "UNEXPECTED_PEER");
});

test("fetchChunkBatch reassembles and verifies each wanted chunk, in order, and reports unavailable ones", async () => {
  const { source, client } = setup({ has: (i) => i !== 3 });
  const session = await client.openStream(manifest.trackId);
  const got = [];
  const unavailable = [];
  const result = await client.fetchChunkBatch({ ...session, want: [5, 3, 0] }, (i, b) => got.push([i, b]), {
    manifest,
    onUnavailable: (i) => unavailable.push(i),
  });
  assert.deepEqual(got.map(([i]) => i), [5, 0]);
  assert.deepEqual(got[0][1], chunk(5));
  assert.deepEqual(got[1][1], chunk(0));
  assert.deepEqual(unavailable, [3]);
  assert.deepEqual(result, { chunks: [5, 0], unavailable: [3] });
  // Every call carries the same session ID and handshake; the fake checks both.
  await client.fetchChunkBatch({ ...session, want: [1] }, () => {}, { manifest });
  assert.deepEqual(source.batches, [[5, 3, 0], [1]]);
});

test("fetchChunkBatch refuses more than 64 wants, none, duplicates and chunks past the track, before calling", async () => {
  const { source, client } = setup();
  const session = await client.openStream(manifest.trackId);
  const big = VerifiedManifest.check(manifestOf(trackBytes(70 * CHUNK_SIZE)), manifestOf(trackBytes(70 * CHUNK_SIZE)).trackId);
  const wants = Array.from({ length: MAX_BATCH_WANTS + 1 }, (_, i) => i);
  await assert.rejects(client.fetchChunkBatch({ ...session, want: wants }, () => {}, { manifest: big }), RangeError);
  await assert.rejects(client.fetchChunkBatch({ ...session, want: [] }, () => {}, { manifest }), RangeError);
  await assert.rejects(client.fetchChunkBatch({ ...session, want: [1, 1] }, () => {}, { manifest }), RangeError);
  await assert.rejects(client.fetchChunkBatch({ ...session, want: [6] }, () => {}, { manifest }), RangeError);
  await assert.rejects(fetchChunkBatch(source.url, { ...session, sessionId: new Uint8Array(15), want: [0] }, () => {}, { manifest }), RangeError);
  assert.equal(source.batches.length, 0);
});

test("a corrupt chunk fails the batch as CORRUPT_CHUNK; the chunks before it were handed out", async () => {
  const { client } = setup({ corrupt: (i) => i === 1 });
  const session = await client.openStream(manifest.trackId);
  const got = [];
  await assert.rejects(client.fetchChunkBatch({ ...session, want: [0, 1, 2] }, (i) => got.push(i), { manifest }),
    (e) => e instanceof SourceError && e.reason === "CORRUPT_CHUNK" && e.index === 1);
  assert.deepEqual(got, [0]);
});

test("frames that break the protocol fail the batch as LYING_SOURCE", async () => {
  const piece = (index, offset, length) => dataFrame({
    case: "chunk",
    value: { chunkIndex: index, offset, data: new Uint8Array(length) },
  });
  const lies = {
    "out of order": (f) => [...f.slice(14 * 1), ...f.slice(0, 14)],
    "a gap": (f) => [f[0], f[2], ...f.slice(3)],
    "a piece over 1200 bytes": (f) => [piece(0, 0, 1201), ...f.slice(1)],
    "a chunk too long": (f) => [...f.slice(0, 13), piece(0, 15600, 1000), ...f.slice(14)],
    "a chunk too short": (f) => f.slice(0, 13),
    "an empty piece": (f) => [piece(0, 0, 0), ...f],
    "unavailable for a chunk not due": (f) => [dataFrame({ case: "unavailable", value: 4 }), ...f],
    "a second accepted": (f) => [dataFrame({ case: "accepted", value: true }), ...f],
    "more than wanted": (f) => [...f, piece(1, 0, 1200)],
    "not a DataFrame": (f) => [Uint8Array.of(0xff, 0xff, 0xff), ...f],
  };
  for (const [name, rewrite] of Object.entries(lies)) {
    const { client } = setup({ rewrite });
    const session = await client.openStream(manifest.trackId);
    await assert.rejects(client.fetchChunkBatch({ ...session, want: [0, 1] }, () => {}, { manifest }),
      (e) => e instanceof SourceError && e.reason === "LYING_SOURCE", name);
  }
});

test("a batch whose first frame is not accepted is a lying source; a refused one carries its status", async () => {
  const bad = setup();
  const session = await bad.client.openStream(manifest.trackId);
  // Another handshake than the session's: the source refuses it.
  await assert.rejects(bad.client.fetchChunkBatch({ ...session, handshake: Uint8Array.of(1, 2, 3), want: [0] }, () => {}, { manifest }),
    (e) => e instanceof GrpcWebError && e.code === Status.UNAUTHENTICATED);
  const noAccept = async () => {
    const body = new Uint8Array(0);
    return new Response(body, { status: 200, headers: { "content-type": "application/grpc-web+proto", "grpc-status": "0" } });
  };
  await assert.rejects(fetchChunkBatch("http://a.test", { ...session, want: [0] }, () => {}, { manifest, fetch: noAccept }),
    (e) => e instanceof SourceError && e.reason === "LYING_SOURCE");
  // The request on the wire is a ChunkRequest with the session, its handshake and the wants.
  let seen;
  const spy = async (url, init) => {
    seen = init.body.subarray(5);
    throw new TypeError("fetch failed");
  };
  await assert.rejects(fetchChunkBatch("http://a.test", { ...session, want: [2, 0] }, () => {}, { manifest, fetch: spy }),
    (e) => e instanceof GrpcWebError && e.code === Status.UNAVAILABLE);
  const req = fromBinary(ChunkRequestSchema, seen);
  assert.deepEqual(req.sessionId, session.sessionId);
  assert.deepEqual(req.handshake, session.handshake);
  assert.deepEqual(req.want, [2, 0]);
  assert.deepEqual(req.cancel, []);
});
