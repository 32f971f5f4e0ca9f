// The player page's logic that runs without a browser: the chunk map's model, the hash route,
// the sources a page can reach, the short forms it shows.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as base58 from "../src/base58.js";
import {
  cellOf, cellSpan, chunkMapModel, FETCHING, foldChunks, MISSING, PARTIAL, playheadChunk, VERIFIED,
} from "../src/page/chunkmap.js";
import { formatBytes, formatDuration, formatRate, shortPeer } from "../src/page/format.js";
import { sourcesFor, TRANSPORT_KIND_GRPC_WEB, webUrlOf } from "../src/page/peers.js";
import { isTrackId, parseRoute, playHash } from "../src/page/route.js";

test("foldChunks: one cell per chunk when there is room", () => {
  const states = Uint8Array.of(0, 1, 2, 2, 0);
  assert.deepEqual([...foldChunks(states, 64)], [MISSING, FETCHING, VERIFIED, VERIFIED, MISSING]);
  assert.equal(foldChunks(new Uint8Array(0), 64).length, 0);
});

test("foldChunks: a cell is verified when all its chunks are, fetching when any is", () => {
  // 8 chunks in 4 cells of 2.
  const states = Uint8Array.of(2, 2, 2, 1, 2, 0, 0, 0);
  assert.deepEqual([...foldChunks(states, 4)], [VERIFIED, FETCHING, PARTIAL, MISSING]);
});

test("cells cover every chunk once, in order, and cellOf finds a chunk's cell", () => {
  for (const [n, cells] of [[1, 512], [7, 3], [1000, 512], [3001, 512], [512, 512], [65, 64]]) {
    const k = Math.min(n, cells);
    let next = 0;
    for (let c = 0; c < k; c++) {
      const [from, to] = cellSpan(c, n, k);
      assert.equal(from, next);
      assert.ok(to > from, `cell ${c} of ${k} over ${n} chunks is empty`);
      for (let i = from; i < to; i++) assert.equal(cellOf(i, n, k), c, `chunk ${i} of ${n} in ${k}`);
      next = to;
    }
    assert.equal(next, n);
  }
  assert.equal(cellOf(-1, 10, 5), -1);
  assert.equal(cellOf(10, 10, 5), -1);
});

test("chunkMapModel lays the cells in rows and marks the playhead", () => {
  const states = new Uint8Array(3000).fill(VERIFIED, 0, 1500).fill(FETCHING, 1500, 1510);
  const m = chunkMapModel(states, { columns: 64, maxRows: 8, playhead: 1499 });
  assert.equal(m.cells.length, 512);
  assert.equal(m.columns, 64);
  assert.equal(m.rows, 8);
  assert.equal(m.cells[m.playheadCell - 1], VERIFIED);
  const [from, to] = cellSpan(m.playheadCell, 3000, 512);
  assert.ok(from <= 1499 && 1499 < to);

  const small = chunkMapModel(Uint8Array.of(2, 0, 1), { columns: 64, maxRows: 8, playhead: -1 });
  assert.deepEqual([small.columns, small.rows, small.playheadCell], [3, 1, -1]);
});

test("playheadChunk follows the share of the track played", () => {
  assert.equal(playheadChunk(0, 100, 1_638_400, 16_384), 0);
  assert.equal(playheadChunk(50, 100, 1_638_400, 16_384), 50);
  assert.equal(playheadChunk(100, 100, 1_638_400, 16_384), 99);
  assert.equal(playheadChunk(3, NaN, 1_638_400, 16_384), -1);
  assert.equal(playheadChunk(3, Infinity, 1_638_400, 16_384), -1);
});

const ID = base58.encode(new Uint8Array(32).fill(7));

test("parseRoute: #play=TRACKID plays, #q= searches, anything else does neither", () => {
  assert.deepEqual(parseRoute(`#play=${ID}`), { play: ID, q: null });
  assert.deepEqual(parseRoute(playHash(ID)), { play: ID, q: null });
  assert.deepEqual(parseRoute(`play=${ID}&q=aurora%20borealis`), { play: ID, q: "aurora borealis" });
  assert.deepEqual(parseRoute("#q=+rain+"), { play: null, q: "rain" });
  assert.deepEqual(parseRoute(""), { play: null, q: null });
  assert.deepEqual(parseRoute("#play="), { play: null, q: null });
  assert.deepEqual(parseRoute("#play=0OIl"), { play: null, q: null });
  assert.deepEqual(parseRoute(`#play=${base58.encode(new Uint8Array(31).fill(7))}`), { play: null, q: null });
  assert.ok(isTrackId(base58.encode(new Uint8Array(32))));
});

function record(peerId, endpoints) {
  return { peerId: { toString: () => peerId }, record: { endpoints } };
}

test("webUrlOf takes the first gRPC-Web endpoint of a record", () => {
  const web = TRANSPORT_KIND_GRPC_WEB;
  assert.equal(webUrlOf(record("A", [
    { transport: 1, ip: Uint8Array.of(10, 0, 0, 1), port: 7000 },
    { transport: web, ip: Uint8Array.of(10, 0, 0, 1), port: 8080 },
  ])), "http://10.0.0.1:8080");
  const v6 = new Uint8Array(16);
  v6[15] = 1;
  assert.equal(webUrlOf(record("A", [{ transport: web, ip: v6, port: 80 }])), "http://[0:0:0:0:0:0:0:1]:80");
  assert.equal(webUrlOf(record("A", [{ transport: 1, ip: Uint8Array.of(1, 2, 3, 4), port: 7000 }])), null);
  assert.equal(webUrlOf(record("A", [{ transport: web, ip: Uint8Array.of(1, 2, 3), port: 80 }])), null);
  assert.equal(webUrlOf(record("A", [])), null);
});

test("sourcesFor: the hit's reachable sources, then the origin, once each", () => {
  const web = (ip) => [{ transport: TRANSPORT_KIND_GRPC_WEB, ip: Uint8Array.of(10, 0, 0, ip), port: 8080 }];
  const origin = { url: "http://127.0.0.1:9000", peer: { toString: () => "O" } };
  const got = sourcesFor([record("A", web(1)), record("B", []), record("A", web(1)), record("C", web(3))], origin);
  assert.deepEqual(got.map((s) => [String(s.peer), s.url]), [
    ["A", "http://10.0.0.1:8080"], ["C", "http://10.0.0.3:8080"], ["O", "http://127.0.0.1:9000"],
  ]);
  const withOrigin = sourcesFor([record("O", web(9))], origin);
  assert.deepEqual(withOrigin.map((s) => String(s.peer)), ["O"]);
  assert.deepEqual(sourcesFor([], origin).map((s) => s.url), ["http://127.0.0.1:9000"]);
});

test("short forms", () => {
  assert.equal(shortPeer("LS1M9Tii2tToRyMB8DP4UUDdLD9RdWueF4"), "LS1M9Tii…");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1500), "1.5 kB");
  assert.equal(formatBytes(52_400_000), "52 MB");
  assert.equal(formatRate(2_100_000), "2.1 MB/s");
  assert.equal(formatDuration(185_000), "3:05");
  assert.equal(formatDuration(3_723_000), "1:02:03");
  assert.equal(formatDuration(NaN), "–");
});
