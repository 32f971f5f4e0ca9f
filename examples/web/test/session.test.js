import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { Identity } from "../src/identity.js";
import { CHUNK_SIZE, VerifiedManifest } from "../src/merkle.js";
import { MISSING, SessionError, SwarmSession, VERIFIED } from "../src/session.js";
import { fakeSource, manifestOf, network, trackBytes } from "./support/fake-source.js";

const page = Identity.generate();

/** A track of `chunks` chunks (the last one short) served by fake sources named a, b, c... */
function swarm(chunks, behaviours) {
  const bytes = trackBytes(chunks * CHUNK_SIZE - 1000, chunks);
  const sources = behaviours.map((b, k) => fakeSource(`http://${String.fromCharCode(97 + k)}.test`, bytes, b));
  return { bytes, sources, fetch: network(...sources), trackId: manifestOf(bytes).trackId };
}

async function open(s, options = {}) {
  const events = [];
  const session = await SwarmSession.open({
    trackId: s.trackId,
    sources: s.sources.map((x) => ({ url: x.url, peer: x.peer })),
    identity: page,
    fetch: s.fetch,
    onEvent: (e) => events.push(e),
    stallMs: 1_000,
    tickMs: 20,
    ...options,
  });
  return { session, events };
}

const sha256 = (b) => createHash("sha256").update(b).digest("hex");

test("three sources serve a track; each gets work; the reads and the digest match the file", async () => {
  const s = swarm(40, [{}, {}, {}]);
  const { session, events } = await open(s);
  try {
    assert.equal(session.size, s.bytes.length);
    assert.equal(session.chunkCount, 40);
    assert.deepEqual(await session.read(0, 50_000), s.bytes.subarray(0, 50_000));
    assert.deepEqual(await session.read(s.bytes.length - 10, 100), s.bytes.subarray(s.bytes.length - 10));
    assert.equal(await session.digest(), sha256(s.bytes));
    const stats = session.stats();
    assert.equal(stats.complete, true);
    assert.equal(stats.bytesVerified, s.bytes.length);
    assert.ok(stats.chunkStates.every((x) => x === VERIFIED));
    assert.equal(stats.sources.length, 3);
    for (const [k, src] of stats.sources.entries()) {
      assert.equal(src.peer, s.sources[k].peer);
      assert.equal(src.state, "done");
      assert.ok(src.chunks > 0, `source ${src.url} delivered nothing`);
      assert.ok(s.sources[k].batches.length > 0);
      // Never more calls at once than a loudp2p source allows (4), each of at most 64 wants.
      assert.ok(s.sources[k].mostRunning <= 4, `${s.sources[k].mostRunning} calls at once`);
      assert.ok(s.sources[k].batches.every((w) => w.length >= 1 && w.length <= 64));
    }
    assert.equal(events.filter((e) => e.type === "source-added").length, 3);
    assert.equal(new Set(events.filter((e) => e.type === "chunk").map((e) => e.index)).size, 40);
    assert.equal(events.at(-1).type, "complete");
    // The first batches want the first chunks.
    assert.ok(s.sources.some((x) => x.batches[0][0] === 0));
  } finally {
    session.close();
  }
});

test("the manifest is fetched once; one given is not fetched at all", async () => {
  const s = swarm(3, [{}, {}]);
  const manifest = VerifiedManifest.check(manifestOf(s.bytes), s.trackId);
  const { session } = await open(s, { manifest });
  try {
    assert.equal(await session.digest(), sha256(s.bytes));
    assert.deepEqual(session.manifest, manifest);
  } finally {
    session.close();
  }
});

test("a source that serves a corrupt chunk is dropped, never asked again, and the bytes still come out right", async () => {
  const s = swarm(30, [{ corrupt: (i) => i === 1 }, {}, {}]);
  const { session, events } = await open(s);
  try {
    assert.deepEqual(await session.read(0, s.bytes.length), s.bytes);
    assert.equal(await session.digest(), sha256(s.bytes));
    const bad = session.stats().sources[0];
    assert.equal(bad.state, "dropped");
    assert.match(bad.reason, /^CORRUPT_CHUNK/);
    const dropped = events.filter((e) => e.type === "source-dropped");
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0].peer, s.sources[0].peer);
    const calls = s.sources[0].batches.length;
    assert.ok(calls <= 2, `${calls} batches at the corrupt source`);
  } finally {
    session.close();
  }
});

test("a source that stalls mid-batch is dropped within its timeout and the read completes", async () => {
  const s = swarm(30, [{ stallAt: () => true }, {}, {}]);
  const started = Date.now();
  const { session } = await open(s, { stallMs: 300 });
  try {
    assert.deepEqual(await session.read(0, s.bytes.length), s.bytes);
    const stalled = session.stats().sources[0];
    assert.equal(stalled.state, "dropped");
    assert.match(stalled.reason, /^STALLED/);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(await session.digest(), sha256(s.bytes));
    assert.equal(s.sources[0].running, 0, "the stalled calls were aborted");
  } finally {
    session.close();
  }
});

test("a source that vanishes (its fetch rejects) is dropped and the others serve the track", async () => {
  const s = swarm(20, [{}, { vanish: true }, {}]);
  const { session } = await open(s);
  try {
    assert.equal(await session.digest(), sha256(s.bytes));
    const gone = session.stats().sources[1];
    assert.equal(gone.state, "dropped");
    assert.match(gone.reason, /^UNAVAILABLE/);
  } finally {
    session.close();
  }
});

test("a source past its limits (RESOURCE_EXHAUSTED) is asked again later; three in a row drop it", async () => {
  const s = swarm(10, [{ exhaust: (call) => call === 0 }]);
  const { session } = await open(s, { maxSources: 1 });
  try {
    assert.equal(await session.digest(), sha256(s.bytes));
    assert.equal(session.stats().sources[0].state, "done");
  } finally {
    session.close();
  }
  const t = swarm(30, [{ exhaust: () => true }, { pieceDelayMs: 2 }]);
  const o = await open(t, { maxSources: 2 });
  try {
    assert.equal(await o.session.digest(), sha256(t.bytes));
    const [busy] = o.session.stats().sources;
    assert.equal(busy.state, "dropped");
    assert.match(busy.reason, /^RESOURCE_EXHAUSTED/);
  } finally {
    o.session.close();
  }
});

test("a dropped source is replaced by the next candidate", async () => {
  const s = swarm(20, [{ vanish: true }, {}, {}, {}]);
  const { session, events } = await open(s, { maxSources: 3 });
  try {
    assert.equal(await session.digest(), sha256(s.bytes));
    const stats = session.stats().sources;
    assert.equal(stats.length, 4);
    assert.equal(stats[0].state, "dropped");
    assert.equal(stats[3].url, "http://d.test");
    assert.ok(events.some((e) => e.type === "source-added" && e.url === "http://d.test"));
  } finally {
    session.close();
  }
});

test("a source is never asked for chunks its map leaves out", async () => {
  const s = swarm(12, [{ has: (i) => i % 2 === 1 }, {}]);
  const { session } = await open(s, { maxSources: 2 });
  try {
    assert.equal(await session.digest(), sha256(s.bytes));
    assert.ok(s.sources[0].batches.flat().every((i) => i % 2 === 1));
  } finally {
    session.close();
  }
});

test("a chunk no open source has opens the next candidate, even past maxSources", async () => {
  const s = swarm(8, [{ has: (i) => i !== 3 }, { missing: (i) => i === 3 }, {}, {}]);
  const { session } = await open(s, { maxSources: 1 });
  try {
    assert.equal(await session.digest(), sha256(s.bytes));
    // a has no chunk 3, b answers it unavailable, c brings it; d is never needed.
    const states = session.stats().sources.map((x) => x.state);
    assert.deepEqual(states, ["done", "done", "done"]);
    assert.ok(s.sources[2].batches.flat().includes(3));
  } finally {
    session.close();
  }
});

test("a chunk a source answers unavailable goes to another source and is not asked of it again", async () => {
  const s = swarm(10, [{ missing: (i) => i === 2 }, {}]);
  const { session } = await open(s, { maxSources: 2, initialBatch: 3 });
  try {
    assert.equal(await session.digest(), sha256(s.bytes));
    const asked = s.sources[0].batches.flat().filter((i) => i === 2).length;
    assert.ok(asked <= 1, `asked ${asked} times`);
    if (asked === 1) assert.ok(s.sources[1].batches.flat().includes(2));
    const [a] = session.stats().sources;
    assert.equal(a.state, "done", "an unavailable answer is no reason to drop a source");
  } finally {
    session.close();
  }
  // With no other source, a read of that chunk fails as UNAVAILABLE; the rest still reads.
  const t = swarm(6, [{ missing: (i) => i === 2 }]);
  const o = await open(t, { maxSources: 1 });
  try {
    await assert.rejects(o.session.read(2 * CHUNK_SIZE, 10), (e) => e instanceof SessionError && e.reason === "UNAVAILABLE" && e.index === 2);
    assert.deepEqual(await o.session.read(3 * CHUNK_SIZE, 10), t.bytes.subarray(3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 10));
    await assert.rejects(o.session.digest(), (e) => e.reason === "UNAVAILABLE");
  } finally {
    o.session.close();
  }
});

test("a read at a far offset is served before the chunks between", async () => {
  const s = swarm(120, [{ pieceDelayMs: 1 }, { pieceDelayMs: 1 }, { pieceDelayMs: 1 }]);
  const { session } = await open(s, { maxBatch: 4 });
  try {
    const far = 100 * CHUNK_SIZE + 5;
    const before = session.stats().chunkStates;
    const calls = s.sources.map((x) => x.batches.length);
    const got = await session.read(far, 3 * CHUNK_SIZE);
    assert.deepEqual(got, s.bytes.subarray(far, far + 3 * CHUNK_SIZE));
    // The first batch asked after the read wants the read's first chunk first.
    const next = s.sources.map((x, k) => x.batches[calls[k]]).filter((w) => w);
    assert.ok(next.some((w) => w[0] === 100), `batches after the read: ${JSON.stringify(next)}`);
    // Of the chunks between that nobody was fetching when the read came, none came before it.
    const after = session.stats().chunkStates;
    for (let i = 60; i < 100; i++) {
      if (before[i] === MISSING) assert.notEqual(after[i], VERIFIED, `chunk ${i} came before the far read`);
    }
    // Then it goes on with the rest of the track, from the read position on, then the start.
    assert.equal(await session.digest(), sha256(s.bytes));
  } finally {
    session.close();
  }
});

test("seek moves the fetching priority without a read", async () => {
  const s = swarm(120, [{ pieceDelayMs: 1 }]);
  const order = [];
  const { session } = await open(s, { maxSources: 1, onEvent: (e) => e.type === "chunk" && order.push(e.index) });
  try {
    session.seek(90 * CHUNK_SIZE);
    await session.read(90 * CHUNK_SIZE, 10);
    const firstFar = order.indexOf(90);
    assert.ok(firstFar >= 0 && firstFar <= 8, `chunk 90 came ${firstFar}th`);
  } finally {
    session.close();
  }
});

test("a late chunk is asked of a second source, and the loser's call is aborted", async () => {
  // a stalls on chunk 0 forever, but its stall limit is long: the hedge brings the chunk first.
  const s = swarm(8, [{ stallAt: (i) => i === 0 }, { pieceDelayMs: 0 }]);
  const { session } = await open(s, { maxSources: 2, stallMs: 60_000, hedgeAfterMs: 100, initialBatch: 1 });
  try {
    assert.deepEqual(await session.read(0, 100), s.bytes.subarray(0, 100));
    assert.equal(await session.digest(), sha256(s.bytes));
    assert.ok(s.sources[1].batches.some((w) => w.includes(0)));
    assert.equal(s.sources[0].running, 0, "the stalled batch of a was aborted");
    assert.equal(session.stats().sources[0].state, "done", "a was not dropped for losing a race");
  } finally {
    session.close();
  }
});

test("when every source is dropped, reads fail with NO_SOURCES; close fails what waits with CLOSED", async () => {
  const s = swarm(6, [{ corrupt: () => true }]);
  const { session } = await open(s);
  await assert.rejects(session.read(0, 10), (e) => e instanceof SessionError && e.reason === "NO_SOURCES");
  await assert.rejects(session.digest(), (e) => e instanceof SessionError && e.reason === "NO_SOURCES");
  session.close();
  const t = swarm(6, [{ stallAt: () => true }]);
  const o = await open(t, { stallMs: 60_000 });
  const reading = o.session.read(0, 10);
  o.session.close();
  await assert.rejects(reading, (e) => e instanceof SessionError && e.reason === "CLOSED");
  await assert.rejects(o.session.read(0, 10), (e) => e.reason === "CLOSED");
});

test("open fails when no source opens, and a source stating another size is left out", async () => {
  const s = swarm(4, [{ vanish: true }]);
  s.sources[0].handle = async () => {
    throw new TypeError("fetch failed");
  };
  await assert.rejects(open(s), (e) => e instanceof SessionError && e.reason === "NO_MANIFEST");
  const t = swarm(4, [{ stateSize: 5 }, {}]);
  const o = await open(t);
  try {
    assert.equal(await o.session.digest(), sha256(t.bytes));
    const [liar, honest] = o.session.stats().sources;
    assert.match(liar.reason, /^SIZE_MISMATCH/);
    assert.equal(honest.state, "done");
  } finally {
    o.session.close();
  }
});

test("chunks past the read-ahead window wait for the read position; a digest fetches them all", async () => {
  const s = swarm(40, [{}, {}]);
  // 5 chunks a second: 2 s ahead is 10 chunks past the read position.
  const { session } = await open(s, { byteRate: 5 * CHUNK_SIZE, aheadMs: 2_000 });
  try {
    assert.deepEqual(await session.read(0, 1000), s.bytes.subarray(0, 1000));
    const asked = () => new Set(s.sources.flatMap((x) => x.batches.flat()));
    // Whatever was running has ended: nothing past the window was asked for.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(Math.max(...asked()) <= 11, `asked up to chunk ${Math.max(...asked())}`);
    assert.equal(session.stats().complete, false);
    // The read position moves on: so does the window.
    await session.read(20 * CHUNK_SIZE, 1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(Math.max(...asked()) <= 31, `asked up to chunk ${Math.max(...asked())}`);
    assert.ok(!asked().has(35));
    assert.equal(await session.digest(), sha256(s.bytes));
  } finally {
    session.close();
  }
});

test("a session a source forgot (no call for 30 s) is opened anew there, and nothing is dropped", async () => {
  const s = swarm(40, [{}, {}]);
  const { session, events } = await open(s, { byteRate: 5 * CHUNK_SIZE, aheadMs: 2_000 });
  try {
    assert.deepEqual(await session.read(0, 1000), s.bytes.subarray(0, 1000));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the window is fetched
    for (const x of s.sources) x.forget();
    assert.deepEqual(await session.read(25 * CHUNK_SIZE, 1000),
      s.bytes.subarray(25 * CHUNK_SIZE, 25 * CHUNK_SIZE + 1000));
    assert.equal(await session.digest(), sha256(s.bytes));
    assert.equal(events.filter((e) => e.type === "source-dropped").length, 0,
      JSON.stringify(session.stats().sources));
    assert.ok(s.sources.some((x) => x.opens.length === 2), "a source was opened anew");
    assert.ok(s.sources.every((x) => x.opens.length <= 2));
  } finally {
    session.close();
  }
});
