import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { compare, concat, toHex } from "../src/bytes.js";
import { AnswerError, LightClient } from "../src/client.js";
import { EnvelopeError, EnvelopeOpener } from "../src/envelope.js";
import { Identity } from "../src/identity.js";
import { CHUNK_SIZE, ManifestError, leafHash, trackIdOf } from "../src/merkle.js";
import {
  ChunkMapSchema,
  EndpointSchema,
  ListedTrackSchema,
  ManifestResponseSchema,
  ManifestSchema,
  PeerExchangeSchema,
  PeerRecordSchema,
  Role,
  SearchHitSchema,
  SearchHitsSchema,
  TrackListSchema,
  TrackMetadataSchema,
  TransportKind,
} from "../src/gen/loudp2p/v1/wire_pb.js";
import { fakePeer } from "./support/fake-peer.js";

const page = Identity.generate();
const client = (peer, options = {}) =>
  new LightClient({ url: "http://peer.test", identity: page, fetch: peer.fetch, ...options });

const randomId = () => crypto.getRandomValues(new Uint8Array(32));
const sortedIds = (n) => Array.from({ length: n }, randomId).sort(compare);

function fullRecord(sealer, fields = {}) {
  return sealer.sealRecord(create(PeerRecordSchema, {
    sequence: 5n,
    expiresAtMs: BigInt(Date.now() + 3_600_000),
    role: Role.FULL,
    endpoints: [create(EndpointSchema, { transport: TransportKind.GRPC, ip: Uint8Array.of(127, 0, 0, 1), port: 4000 })],
    ...fields,
  }));
}

/** A ListTracks handler over `ids` that pages as section 3 says. */
function catalog(ids) {
  return (m) => {
    const { after, limit } = m.payload.body.value;
    const tracks = ids
      .filter((id) => after.length === 0 || compare(id, after) > 0)
      .slice(0, limit)
      .map((trackId) => create(ListedTrackSchema, { trackId, size: 1000n }));
    return [{ case: "trackList", value: create(TrackListSchema, { tracks, total: ids.length }) }];
  };
}

test("listTracks gathers every page in order of track ID", async () => {
  const ids = sortedIds(250);
  const peer = fakePeer({ ListTracks: catalog(ids) });
  const { tracks, total } = await client(peer).listTracks();
  assert.equal(total, 250);
  assert.deepEqual(tracks.map((t) => toHex(t.trackId)), ids.map(toHex));
  assert.equal(peer.requests.length, 3);
  assert.deepEqual(peer.requests.map((r) => r.message.payload.body.value.limit), [100, 100, 100]);
  assert.equal(peer.requests[0].message.payload.body.value.after.length, 0);
  assert.deepEqual(peer.requests[1].message.payload.body.value.after, ids[99]);
});

test("listTracks stops after a full last page that the next, empty one ends", async () => {
  const peer = fakePeer({ ListTracks: catalog(sortedIds(100)) });
  const { tracks } = await client(peer).listTracks();
  assert.equal(tracks.length, 100);
  assert.equal(peer.requests.length, 2);
});

test("listTracks refuses pages out of order, too long, or with IDs of other than 32 bytes", async () => {
  const ids = sortedIds(120);
  const broken = [
    [...ids.slice(0, 50)].reverse(),
    ids.slice(0, 101),
    [ids[0], ids[1].subarray(0, 31)],
    [ids[0], ids[0]],
  ];
  for (const list of broken) {
    const peer = fakePeer({
      ListTracks: () => [{ case: "trackList", value: create(TrackListSchema, {
        tracks: list.map((trackId) => create(ListedTrackSchema, { trackId })),
      }) }],
    });
    await assert.rejects(client(peer).listTracks(), (e) => e instanceof AnswerError && e.message.startsWith("MALFORMED_ANSWER"));
  }
});

test("exchangePeers sends a LIGHT record without endpoints and learns the peer's record and sample", async () => {
  let received;
  const other = fakePeer({});
  const expired = fullRecord(other.sealer, { expiresAtMs: BigInt(Date.now() - 1) });
  const peer = fakePeer({
    ExchangePeers: (m) => {
      received = new EnvelopeOpener().openRecord(m.payload.body.value.selfRecord);
      return [{ case: "peerExchange", value: create(PeerExchangeSchema, {
        selfRecord: fullRecord(peer.sealer),
        sample: [fullRecord(other.sealer), expired],
        observedAddress: create(EndpointSchema, { transport: TransportKind.GRPC, ip: Uint8Array.of(127, 0, 0, 1), port: 5555 }),
      }) }];
    },
  });
  const c = client(peer);
  const answer = await c.exchangePeers();
  assert.ok(received.peerId.equals(page.peerId));
  assert.equal(received.record.role, Role.LIGHT);
  assert.equal(received.record.endpoints.length, 0);
  assert.ok(answer.peer.equals(peer.identity.peerId));
  assert.ok(answer.record.peerId.equals(peer.identity.peerId));
  assert.equal(answer.sample.length, 1);
  assert.ok(answer.sample[0].peerId.equals(other.identity.peerId));
  assert.deepEqual(answer.refused.map((e) => e.reason), ["STALE"]);
  assert.deepEqual(answer.observedAddress, { ip: "127.0.0.1", port: 5555 });
  // The record is reused while it has time left; its sequence never goes down.
  await c.exchangePeers();
  const again = new EnvelopeOpener().openRecord(peer.requests[1].message.payload.body.value.selfRecord);
  assert.equal(again.record.sequence, received.record.sequence);
});

test("exchangePeers drops a self record that another peer signed", async () => {
  const other = fakePeer({});
  const peer = fakePeer({
    ExchangePeers: () => [{ case: "peerExchange", value: create(PeerExchangeSchema, { selfRecord: fullRecord(other.sealer) }) }],
  });
  const answer = await client(peer).exchangePeers();
  assert.equal(answer.record, null);
  assert.deepEqual(answer.refused.map((e) => e.reason), ["SENDER_MISMATCH"]);
});

test("answers are held to the expected peer, or to the first peer that answered", async () => {
  const list = catalog([]);
  const peer = fakePeer({ ListTracks: list });
  await assert.rejects(
    client(peer, { peer: String(Identity.generate().peerId) }).listTracks(),
    (e) => e instanceof EnvelopeError && e.reason === "UNEXPECTED_PEER",
  );
  const c = client(peer);
  assert.equal(c.peer, null);
  await c.listTracks();
  assert.ok(c.peer.equals(peer.identity.peerId));
  const impostor = fakePeer({ ListTracks: list });
  const pinned = new LightClient({ url: "http://peer.test", identity: page, fetch: impostor.fetch, peer: c.peer });
  await assert.rejects(pinned.listTracks(), (e) => e.reason === "UNEXPECTED_PEER");
});

test("an answer replayed into a later call is REPLAYED; one with another method's body WRONG_METHOD", async () => {
  let first;
  const peer = fakePeer({
    ListTracks: () => {
      first ??= peer.sealer.seal({ case: "trackList", value: create(TrackListSchema, {}) });
      return [first];
    },
    GetManifest: () => [{ case: "trackList", value: create(TrackListSchema, {}) }],
  });
  const c = client(peer);
  await c.listTracks();
  await assert.rejects(c.listTracks(), (e) => e.reason === "REPLAYED");
  await assert.rejects(c.getManifest(randomId()), (e) => e.reason === "WRONG_METHOD");
});

function hits(queryId, list) {
  return { case: "searchHits", value: create(SearchHitsSchema, { queryId, hits: list }) };
}

test("search merges hits by track ID, unites their sources and drops what does not check out", async () => {
  const a = fakePeer({});
  const b = fakePeer({});
  const id = randomId();
  const meta = create(TrackMetadataSchema, { title: "Aurora" });
  let forged;
  const peer = fakePeer({
    Search: (m) => {
      const q = m.payload.body.value.queryId;
      forged = peer.sealer.seal(hits(q, []));
      forged[forged.length - 1] ^= 1;
      return [
        hits(q, [create(SearchHitSchema, { trackId: id, size: 10n, metadata: meta, sources: [fullRecord(a.sealer)] })]),
        forged,
        hits(randomId().subarray(0, 16), [create(SearchHitSchema, { trackId: randomId() })]),
        hits(q, [create(SearchHitSchema, { trackId: id, size: 10n, metadata: meta, sources: [fullRecord(b.sealer), fullRecord(a.sealer), fullRecord(b.sealer, { expiresAtMs: 1n })] })]),
      ];
    },
  });
  const seen = [];
  const refused = [];
  const found = await client(peer).search("  aurora  borealis ", (h, from) => seen.push([h.id, h.sources.length, String(from)]), {
    onRefused: (e) => refused.push(e.reason),
  });
  const q = peer.requests[0].message.payload.body.value;
  assert.deepEqual(q.terms, ["aurora", "borealis"]);
  assert.equal(q.ttl, 7);
  assert.equal(q.walkers, 8);
  assert.equal(q.queryId.length, 16);
  assert.equal(found.length, 1);
  assert.deepEqual(found[0].trackId, id);
  assert.equal(found[0].metadata.title, "Aurora");
  assert.deepEqual(found[0].sources.map((s) => String(s.peerId)).sort(), [String(a.identity.peerId), String(b.identity.peerId)].sort());
  assert.deepEqual(seen.map((s) => s[1]), [1, 2]);
  assert.ok(seen.every((s) => s[2] === String(peer.identity.peerId)));
  assert.deepEqual(refused, ["BAD_SIGNATURE", "MALFORMED_ANSWER", "STALE"]);
});

test("search completes once it knows 50 tracks, without waiting for the stream's end", async () => {
  const peer = fakePeer({});
  peer.fetch = async (url, init) => {
    // Answers 60 hits in one message, then keeps the stream open.
    const q = new EnvelopeOpener().open(init.body.subarray(5)).payload.body.value.queryId;
    const answer = peer.sealer.seal(hits(q, Array.from({ length: 60 }, () => create(SearchHitSchema, { trackId: randomId() }))));
    const frame = concat(Uint8Array.of(0, 0, 0, 0, 0), answer);
    new DataView(frame.buffer).setUint32(1, answer.length);
    const body = new ReadableStream({
      start(c) {
        c.enqueue(frame);
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "application/grpc-web+proto" } });
  };
  const started = Date.now();
  const found = await client(peer).search("x", undefined, { deadlineMs: 30_000 });
  assert.equal(found.length, 50);
  assert.ok(Date.now() - started < 5_000);
});

test("search completes at its deadline with the hits it has", async () => {
  const peer = fakePeer({});
  peer.fetch = (url, init) =>
    new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new Error("aborted"))));
  assert.deepEqual(await client(peer).search("x", undefined, { deadlineMs: 50 }), []);
});

test("search refuses an empty query and terms of more than 64 code points", async () => {
  const c = client(fakePeer({}));
  await assert.rejects(c.search("   "), RangeError);
  await assert.rejects(c.search("a".repeat(65)), RangeError);
  await assert.rejects(c.search(Array.from({ length: 17 }, (_, i) => `t${i}`).join(" ")), RangeError);
});

function manifestAnswer(bytes, fields = {}) {
  const leaves = [];
  for (let at = 0; at < bytes.length; at += CHUNK_SIZE) leaves.push(leafHash(bytes.subarray(at, at + CHUNK_SIZE)));
  return {
    case: "manifestResponse",
    value: create(ManifestResponseSchema, {
      manifest: create(ManifestSchema, {
        trackId: trackIdOf(bytes), size: BigInt(bytes.length), chunkSize: CHUNK_SIZE, leafHashes: concat(...leaves), ...fields,
      }),
      availability: create(ChunkMapSchema, { bitmap: Uint8Array.of(0b101) }),
    }),
  };
}

test("getManifest checks the manifest against the track ID and reads the chunk map", async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(3 * CHUNK_SIZE - 7));
  const peer = fakePeer({ GetManifest: () => [manifestAnswer(bytes)] });
  const { manifest, availability } = await client(peer).getManifest(trackIdOf(bytes));
  assert.equal(manifest.chunkCount, 3);
  assert.ok(manifest.verifyChunk(2, bytes.subarray(2 * CHUNK_SIZE)));
  assert.deepEqual([0, 1, 2, 3].map(availability.has), [true, false, true, false]);
  assert.deepEqual(peer.requests[0].message.payload.body.value.trackId, trackIdOf(bytes));
  const whole = manifestAnswer(bytes);
  whole.value.availability = create(ChunkMapSchema, { complete: true });
  const all = await client(fakePeer({ GetManifest: () => [whole] })).getManifest(trackIdOf(bytes));
  assert.deepEqual([0, 1, 2, 3].map(all.availability.has), [true, true, true, false]);
});

test("getManifest refuses a manifest that does not hash to the track asked for", async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(2 * CHUNK_SIZE));
  const other = crypto.getRandomValues(new Uint8Array(2 * CHUNK_SIZE));
  const tampered = manifestAnswer(bytes);
  tampered.value.manifest.leafHashes[0] ^= 1;
  for (const answer of [manifestAnswer(other), tampered]) {
    const peer = fakePeer({ GetManifest: () => [answer] });
    await assert.rejects(client(peer).getManifest(trackIdOf(bytes)), ManifestError);
  }
});
