import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { concat, toHex } from "../src/bytes.js";
import { CHUNK_SIZE, ManifestError, VerifiedManifest, merkleRoot, trackIdOf } from "../src/merkle.js";
import { ManifestSchema } from "../src/gen/loudp2p/v1/wire_pb.js";

// Independent of src/merkle.js: node:crypto, and the trees written out by hand.
const h = (...parts) => {
  const d = createHash("sha256");
  for (const p of parts) d.update(p);
  return new Uint8Array(d.digest());
};
const leaf = (chunk) => h(Uint8Array.of(0), chunk);
const node = (l, r) => h(Uint8Array.of(1), l, r);

function track(size) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}
const chunk = (bytes, i) => bytes.subarray(i * CHUNK_SIZE, Math.min(bytes.length, (i + 1) * CHUNK_SIZE));

test("the root of no chunks is SHA-256 of the empty string", () => {
  assert.equal(toHex(merkleRoot([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(toHex(trackIdOf(new Uint8Array(0))), toHex(h()));
});

test("the root of one chunk is its leaf hash", () => {
  const bytes = track(100);
  assert.deepEqual(trackIdOf(bytes), leaf(bytes));
});

test("the root of a five-chunk track splits at the largest power of two below five", () => {
  const bytes = track(4 * CHUNK_SIZE + 1234);
  const l = [0, 1, 2, 3, 4].map((i) => leaf(chunk(bytes, i)));
  assert.equal(chunk(bytes, 4).length, 1234);
  const expected = node(node(node(l[0], l[1]), node(l[2], l[3])), l[4]);
  assert.deepEqual(trackIdOf(bytes), expected);
  assert.deepEqual(merkleRoot(l), expected);
});

test("the root of a three-chunk track is node(node(l0, l1), l2), and of exactly two chunks node(l0, l1)", () => {
  const three = track(2 * CHUNK_SIZE + 1);
  const l = [0, 1, 2].map((i) => leaf(chunk(three, i)));
  assert.deepEqual(trackIdOf(three), node(node(l[0], l[1]), l[2]));
  const two = track(2 * CHUNK_SIZE);
  assert.deepEqual(trackIdOf(two), node(leaf(chunk(two, 0)), leaf(chunk(two, 1))));
});

test("the root of seven leaves is node(node(node(0,1),node(2,3)), node(node(4,5),6))", () => {
  const l = Array.from({ length: 7 }, (_, i) => h(Uint8Array.of(i)));
  const expected = node(node(node(l[0], l[1]), node(l[2], l[3])), node(node(l[4], l[5]), l[6]));
  assert.deepEqual(merkleRoot(l), expected);
});

function manifestOf(bytes, fields = {}) {
  const leaves = [];
  for (let i = 0; i * CHUNK_SIZE < bytes.length; i++) leaves.push(leaf(chunk(bytes, i)));
  return create(ManifestSchema, {
    trackId: trackIdOf(bytes),
    size: BigInt(bytes.length),
    chunkSize: CHUNK_SIZE,
    leafHashes: concat(...leaves),
    ...fields,
  });
}

test("a manifest whose leaves hash to the track ID is taken, and checks its chunks", () => {
  const bytes = track(2 * CHUNK_SIZE + 500);
  const m = VerifiedManifest.check(manifestOf(bytes), trackIdOf(bytes));
  assert.equal(m.chunkCount, 3);
  assert.equal(m.size, bytes.length);
  assert.equal(m.chunkLength(2), 500);
  for (let i = 0; i < 3; i++) assert.ok(m.verifyChunk(i, chunk(bytes, i)));
  const bad = Uint8Array.from(chunk(bytes, 1));
  bad[7] ^= 1;
  assert.equal(m.verifyChunk(1, bad), false);
  assert.equal(m.verifyChunk(0, chunk(bytes, 1)), false);
  assert.equal(m.verifyChunk(2, chunk(bytes, 2).subarray(0, 499)), false);
  assert.equal(m.verifyChunk(3, chunk(bytes, 2)), false);
});

test("a manifest is refused for another track, tampered leaves, a wrong count or chunk size", () => {
  const bytes = track(3 * CHUNK_SIZE);
  const id = trackIdOf(bytes);
  const good = manifestOf(bytes);
  const tampered = Uint8Array.from(good.leafHashes);
  tampered[40] ^= 1;
  const cases = [
    [manifestOf(bytes), trackIdOf(track(10))],
    [{ ...good, leafHashes: tampered }, id],
    [{ ...good, leafHashes: good.leafHashes.subarray(0, 64) }, id],
    [{ ...good, leafHashes: good.leafHashes.subarray(0, 95) }, id],
    [{ ...good, size: BigInt(4 * CHUNK_SIZE) }, id],
    [{ ...good, chunkSize: 8192 }, id],
  ];
  for (const [manifest, asked] of cases) {
    assert.throws(() => VerifiedManifest.check(manifest, asked), (e) => e instanceof ManifestError && e.message.startsWith("BAD_MANIFEST: "));
  }
  assert.ok(VerifiedManifest.check(good, id));
});

test("an empty track's manifest has no leaves and the empty root", () => {
  const m = VerifiedManifest.check(manifestOf(new Uint8Array(0)), trackIdOf(new Uint8Array(0)));
  assert.equal(m.chunkCount, 0);
});
