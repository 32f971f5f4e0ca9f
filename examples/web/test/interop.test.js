// Against a real Java peer: `loudp2p share --web` from the Java build's CLI jar.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createHash } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as base58 from "../src/base58.js";
import { LightClient } from "../src/client.js";
import { EnvelopeSealer } from "../src/envelope.js";
import { GrpcWebError, Status, callStreaming, callUnary } from "../src/grpcweb.js";
import { Identity, PeerId } from "../src/identity.js";
import { CHUNK_SIZE, trackIdOf } from "../src/merkle.js";
import { SwarmSession } from "../src/session.js";
import { fetchChunkBatch } from "../src/stream.js";
import {
  ChunkRequestSchema,
  DataFrameSchema,
  ListTracksSchema,
  ManifestRequestSchema,
  Role,
  TransportKind,
} from "../src/gen/loudp2p/v1/wire_pb.js";
import { skipReason, startSharePeer } from "./support/java-peer.js";

/** A mono 16-bit PCM WAV file: the 44-byte header, then `samples` samples of a tone. */
function wav(samples, rate = 22050) {
  const data = samples * 2;
  const b = Buffer.alloc(44 + data);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(36 + data, 4);
  b.write("WAVE", 8, "ascii");
  b.write("fmt ", 12, "ascii");
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36, "ascii");
  b.writeUInt32LE(data, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
  return b;
}

const skip = skipReason();

describe("a Java peer serving gRPC-Web", { skip }, () => {
  const page = Identity.generate();
  let dir;
  let peer;
  let bytes;
  let client;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "loudp2p-web-interop-"));
    mkdirSync(join(dir, "music"));
    bytes = new Uint8Array(wav(20_000)); // 40,044 bytes: three chunks, the last one short
    writeFileSync(join(dir, "music", "Glacier Lullaby.wav"), bytes);
    peer = await startSharePeer({ music: join(dir, "music"), identity: join(dir, "id") });
    client = new LightClient({ url: peer.webUrl, identity: page, peer: peer.peerId });
  });

  after(async () => {
    await peer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the peer ID it printed parses and is the one its answers are signed by", async () => {
    const id = PeerId.parse(peer.peerId);
    const greeting = await client.exchangePeers();
    assert.ok(greeting.peer.equals(id));
    assert.ok(client.peer.equals(id));
  });

  test("exchangePeers: it takes the page's LIGHT record without endpoints and answers with its FULL record", async () => {
    const { record, refused, observedAddress, sample } = await client.exchangePeers();
    assert.deepEqual(refused, []);
    assert.ok(record.peerId.equals(PeerId.parse(peer.peerId)));
    assert.equal(record.record.role, Role.FULL);
    assert.equal(record.record.endpoints[0].transport, TransportKind.GRPC);
    assert.equal(observedAddress.ip, "127.0.0.1");
    // The page's own record is never sampled back to it.
    assert.ok(sample.every((r) => !r.peerId.equals(page.peerId)));
  });

  let listed;
  test("listTracks finds the WAV file, its track ID the Merkle root of its bytes", async () => {
    const { tracks, total } = await client.listTracks();
    assert.equal(total, 1);
    assert.equal(tracks.length, 1);
    [listed] = tracks;
    assert.equal(listed.size, bytes.length);
    assert.deepEqual(listed.trackId, trackIdOf(bytes));
    assert.equal(listed.metadata.codec, "wav");
    assert.match(listed.metadata.title, /Glacier Lullaby/);
  });

  test("search finds it by a word of its file name, from the peer, with the peer as a source", async () => {
    const refused = [];
    const seen = [];
    const found = await client.search("lullaby", (hit, from) => seen.push(String(from)), {
      onRefused: (e) => refused.push(e.message),
    });
    assert.deepEqual(refused, []);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].trackId, trackIdOf(bytes));
    assert.ok(seen.length >= 1 && seen.every((p) => p === peer.peerId));
    assert.ok(found[0].sources.some((s) => String(s.peerId) === peer.peerId));
  });

  test("getManifest returns a manifest whose root is the listed track ID and that checks every chunk", async () => {
    const id = listed?.trackId ?? trackIdOf(bytes);
    const { manifest, availability } = await client.getManifest(base58.encode(id));
    assert.deepEqual(manifest.trackId, id);
    assert.equal(manifest.size, bytes.length);
    assert.equal(manifest.chunkCount, Math.ceil(bytes.length / CHUNK_SIZE));
    for (let i = 0; i < manifest.chunkCount; i++) {
      assert.ok(manifest.verifyChunk(i, bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)), `chunk ${i}`);
      assert.ok(availability.has(i));
    }
  });

  test("the text form (application/grpc-web-text) works alike", async () => {
    const text = new LightClient({ url: peer.webUrl, identity: page, peer: peer.peerId, text: true });
    const { tracks } = await text.listTracks();
    assert.deepEqual(tracks[0].trackId, trackIdOf(bytes));
  });

  const listRequest = (sealer = new EnvelopeSealer(page)) =>
    sealer.seal({ case: "listTracks", value: create(ListTracksSchema, { limit: 10 }) });
  const refusedWith = (code, rule) => (e) => {
    assert.ok(e instanceof GrpcWebError, String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e.grpcMessage.startsWith(`${rule}: `), e.grpcMessage);
    return true;
  };

  test("a request with one signature byte flipped is refused with grpc-status 16, BAD_SIGNATURE", async () => {
    const forged = listRequest();
    forged[forged.length - 7] ^= 0x01; // inside the signature, the envelope's last field
    await assert.rejects(callUnary(peer.webUrl, "ListTracks", forged), refusedWith(Status.UNAUTHENTICATED, "BAD_SIGNATURE"));
  });

  test("a replayed request is refused REPLAYED (16), a stale one STALE (16), another method's body WRONG_METHOD (3)", async () => {
    const request = listRequest();
    assert.ok((await callUnary(peer.webUrl, "ListTracks", request)).length > 0);
    await assert.rejects(callUnary(peer.webUrl, "ListTracks", request), refusedWith(Status.UNAUTHENTICATED, "REPLAYED"));
    const old = listRequest(new EnvelopeSealer(page, { now: () => Date.now() - 10 * 60_000 }));
    await assert.rejects(callUnary(peer.webUrl, "ListTracks", old), refusedWith(Status.UNAUTHENTICATED, "STALE"));
    await assert.rejects(callUnary(peer.webUrl, "GetManifest", listRequest()), refusedWith(Status.INVALID_ARGUMENT, "WRONG_METHOD"));
  });

  test("a track it does not hold is FAILED_PRECONDITION", async () => {
    const request = new EnvelopeSealer(page).seal({
      case: "manifestRequest",
      value: create(ManifestRequestSchema, { trackId: new Uint8Array(32) }),
    });
    await assert.rejects(callUnary(peer.webUrl, "GetManifest", request), (e) => e.code === Status.FAILED_PRECONDITION);
  });

  test("a client that expects another peer refuses its answers", async () => {
    const wrong = new LightClient({ url: peer.webUrl, identity: page, peer: Identity.generate().peerId });
    await assert.rejects(wrong.listTracks(), (e) => e.reason === "UNEXPECTED_PEER");
  });

  // The chunk path of pages (PROTOCOL.md section 5, "Chunk batches").
  const chunkOf = (i) => bytes.subarray(i * CHUNK_SIZE, Math.min(bytes.length, (i + 1) * CHUNK_SIZE));

  test("openStream: it accepts a GRPC-only offer without a key, on GRPC, stating the size and holding every chunk", async () => {
    const opened = await client.openStream(trackIdOf(bytes), { chunkCount: 3 });
    assert.equal(opened.sessionId.length, 16);
    assert.equal(opened.size, bytes.length);
    assert.equal(opened.availability.complete, true);
    assert.ok([0, 1, 2].every(opened.availability.has));
  });

  test("FetchChunkBatch: each wanted chunk in order, verified; again with the same handshake; unavailable past the last", async () => {
    const { manifest } = await client.getManifest(trackIdOf(bytes));
    const session = await client.openStream(manifest.trackId, { chunkCount: manifest.chunkCount });
    const got = [];
    const first = await client.fetchChunkBatch({ ...session, want: [2, 0] }, (i, b) => got.push([i, b]), { manifest });
    assert.deepEqual(first, { chunks: [2, 0], unavailable: [] });
    assert.deepEqual(got[0][1], chunkOf(2));
    assert.deepEqual(got[1][1], chunkOf(0));
    // Several calls of one session may run at once, with the identical handshake.
    const again = await Promise.all([
      client.fetchChunkBatch({ ...session, want: [1] }, () => {}, { manifest }),
      client.fetchChunkBatch({ ...session, want: [0, 1] }, () => {}, { manifest }),
    ]);
    assert.deepEqual(again.map((r) => r.chunks), [[1], [0, 1]]);
    // A want past the last chunk (or of 2^31 and more) is answered unavailable, then OK.
    const frames = [];
    const request = toBinary(ChunkRequestSchema, create(ChunkRequestSchema, {
      sessionId: session.sessionId,
      handshake: session.handshake,
      want: [3, 0x80000000],
    }));
    await callStreaming(peer.webUrl, "FetchChunkBatch", request, (m) => frames.push(fromBinary(DataFrameSchema, m).kind));
    assert.deepEqual(frames.map((k) => [k.case, k.value]), [["accepted", true], ["unavailable", 3], ["unavailable", 0x80000000]]);
  });

  test("FetchChunkBatch refuses another handshake (16), an unknown session (9), no want or a cancel (3), 65 wants (8)", async () => {
    const a = await client.openStream(trackIdOf(bytes));
    const b = await client.openStream(trackIdOf(bytes));
    const call = (fields) => callStreaming(peer.webUrl, "FetchChunkBatch",
      toBinary(ChunkRequestSchema, create(ChunkRequestSchema, fields)), () => {});
    const status = (code) => (e) => e instanceof GrpcWebError && e.code === code;
    await assert.rejects(call({ sessionId: a.sessionId, handshake: b.handshake, want: [0] }), status(Status.UNAUTHENTICATED));
    await assert.rejects(call({ sessionId: new Uint8Array(16).fill(7), handshake: a.handshake, want: [0] }), status(Status.FAILED_PRECONDITION));
    await assert.rejects(call({ sessionId: a.sessionId, handshake: a.handshake, want: [] }), status(Status.INVALID_ARGUMENT));
    await assert.rejects(call({ sessionId: a.sessionId, handshake: a.handshake, want: [0], cancel: [1] }), status(Status.INVALID_ARGUMENT));
    await assert.rejects(call({ sessionId: a.sessionId.subarray(0, 15), handshake: a.handshake, want: [0] }), status(Status.INVALID_ARGUMENT));
    const many = Array.from({ length: 65 }, (_, i) => i);
    await assert.rejects(call({ sessionId: a.sessionId, handshake: a.handshake, want: many }), status(Status.RESOURCE_EXHAUSTED));
    // The session still serves its own handshake.
    const { manifest } = await client.getManifest(trackIdOf(bytes));
    const ok = await fetchChunkBatch(peer.webUrl, { ...a, want: [0] }, () => {}, { manifest });
    assert.deepEqual(ok.chunks, [0]);
  });

  test("a SwarmSession streams the track from it: reads and the digest match the file", async () => {
    const session = await SwarmSession.open({
      trackId: trackIdOf(bytes),
      sources: [{ url: peer.webUrl, peer: peer.peerId }],
      identity: page,
    });
    try {
      assert.equal(session.size, bytes.length);
      assert.deepEqual(await session.read(20_000, 10_000), bytes.subarray(20_000, 30_000));
      assert.equal(await session.digest(), createHash("sha256").update(bytes).digest("hex"));
      const [source] = session.stats().sources;
      assert.equal(source.peer, peer.peerId);
      assert.equal(source.state, "done");
    } finally {
      session.close();
    }
  });
});
