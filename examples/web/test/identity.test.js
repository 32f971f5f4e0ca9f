import assert from "node:assert/strict";
import { test } from "node:test";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import * as base58 from "../src/base58.js";
import { fromHex, toBigInt, toHex } from "../src/bytes.js";
import {
  Identity,
  N,
  PeerId,
  STORAGE_KEY,
  hash160WithVersion,
  isValidPublicKey,
  loadOrCreateIdentity,
  verifyDigest,
} from "../src/identity.js";

// PROTOCOL.md section 7.
const WORKED = {
  privateKey: "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
  publicKey: "0284bf7562262bbd6940085748f3be6afa52ae317155181ece31b66351ccffa4b0",
  peerIdBytes: "30587c9bfc87a837a056f716c2f9de891adbc46c90",
  peerId: "LTHq16qwRYS6dvpFRbe7S6TpEhe7yBCZpj",
  digest: "7eaba7bdf53380f147525a9df020bcf98d91e51749c0f66962c7f5b8d292e8f6",
  signature:
    "b3f679b0ba311dc32a04c80050ed849a7fb69ec9f5b0ede0af402d5c574568c8"
    + "64401d7120520397096dab3e56eb620e4d480f61b9a49de476db275c6c71f2db",
};

test("derives the Bitcoin wiki's address with version 0x00 over the uncompressed key", () => {
  // "Technical background of version 1 Bitcoin addresses", as PROTOCOL.md section 1 cites it.
  const secret = fromHex("18e14a7b6a307f426a94f8114701e7c8e774e7f9a47e2c2035db29a206321725");
  const uncompressed = secp256k1.getPublicKey(secret, false);
  assert.equal(
    toHex(uncompressed),
    "0450863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352"
      + "2cd470243453a299fa9e77237716103abc11a1df38855ed6f2ee187e9c582ba6",
  );
  const versioned = hash160WithVersion(uncompressed, 0x00);
  assert.equal(toHex(versioned), "00010966776006953d5567439e5e39f86a0d273bee");
  assert.equal(base58.encodeCheck(versioned), "16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvM");
});

test("derives the worked example's public key and peer ID", () => {
  const id = new Identity(fromHex(WORKED.privateKey));
  assert.equal(toHex(id.publicKey), WORKED.publicKey);
  assert.equal(toHex(id.peerId.bytes()), WORKED.peerIdBytes);
  assert.equal(String(id.peerId), WORKED.peerId);
  assert.ok(id.peerId.equals(PeerId.parse(WORKED.peerId)));
});

test("signs the worked example's digest deterministically, as the spec's bytes", () => {
  const id = new Identity(fromHex(WORKED.privateKey));
  const sig = id.signDigest(fromHex(WORKED.digest));
  assert.equal(toHex(sig), WORKED.signature);
  assert.equal(toHex(id.signDigest(fromHex(WORKED.digest))), WORKED.signature);
});

test("Base58 keeps leading zero bytes as leading 1s and round-trips", () => {
  assert.equal(base58.encode(Uint8Array.of(0, 0, 1)), "112");
  assert.deepEqual(base58.decode("112"), Uint8Array.of(0, 0, 1));
  assert.equal(base58.encode(new Uint8Array(0)), "");
  for (let i = 0; i < 50; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(i % 40));
    if (i % 3 === 0 && bytes.length > 2) bytes.fill(0, 0, 2);
    assert.deepEqual(base58.decode(base58.encode(bytes)), bytes);
    assert.deepEqual(base58.decodeCheck(base58.encodeCheck(bytes)), bytes);
  }
});

test("peer IDs round-trip through their text form and start with L", () => {
  for (let i = 0; i < 20; i++) {
    const id = Identity.generate().peerId;
    const text = String(id);
    assert.ok(text.startsWith("L"), text);
    assert.ok(PeerId.parse(text).equals(id));
  }
});

test("parsing a peer ID refuses a character outside the alphabet", () => {
  const good = WORKED.peerId;
  for (const c of ["0", "O", "I", "l", "+", " "]) {
    assert.throws(() => PeerId.parse(good.slice(0, 5) + c + good.slice(6)), /not a Base58/);
  }
});

test("parsing a peer ID refuses a checksum mismatch", () => {
  const good = WORKED.peerId;
  const last = good.at(-1) === "j" ? "k" : "j";
  assert.throws(() => PeerId.parse(good.slice(0, -1) + last), /checksum/);
});

test("parsing a peer ID refuses other lengths and version bytes", () => {
  const hash = hash160WithVersion(fromHex(WORKED.publicKey)).subarray(1);
  const of = (...parts) => base58.encodeCheck(Uint8Array.from(parts.flatMap((p) => [...p])));
  assert.throws(() => PeerId.parse(of([0x30], hash.subarray(1))), /21 bytes/);
  assert.throws(() => PeerId.parse(of([0x30], hash, [0])), /21 bytes/);
  assert.throws(() => PeerId.parse(of([0x00], hash)), /version/);
  assert.throws(() => PeerId.parse(of([0x31], hash)), /version/);
  assert.ok(PeerId.parse(of([0x30], hash)));
});

test("signatures are 64 bytes and low-S; the high-S twin of a valid one is refused", () => {
  const id = Identity.generate();
  for (let i = 0; i < 20; i++) {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    const sig = id.signDigest(digest);
    assert.equal(sig.length, 64);
    const s = toBigInt(sig.subarray(32));
    assert.ok(s <= N / 2n);
    assert.ok(verifyDigest(sig, digest, id.publicKey));
    const twin = Uint8Array.from(sig);
    twin.set(fromHex((N - s).toString(16).padStart(64, "0")), 32);
    // The twin is a valid ECDSA signature; only the low-S rule refuses it.
    assert.ok(secp256k1.verify(twin, digest, id.publicKey, { prehash: false, lowS: false }));
    assert.equal(verifyDigest(twin, digest, id.publicKey), false);
  }
});

test("a verifier refuses other lengths, zero or out-of-range r and s, and other digests", () => {
  const id = Identity.generate();
  const digest = crypto.getRandomValues(new Uint8Array(32));
  const sig = id.signDigest(digest);
  const with32 = (at, value) => {
    const out = Uint8Array.from(sig);
    out.set(fromHex(value.toString(16).padStart(64, "0")), at);
    return out;
  };
  assert.equal(verifyDigest(sig.subarray(0, 63), digest, id.publicKey), false);
  assert.equal(verifyDigest(Uint8Array.from([...sig, 0]), digest, id.publicKey), false);
  assert.equal(verifyDigest(with32(0, 0n), digest, id.publicKey), false);
  assert.equal(verifyDigest(with32(32, 0n), digest, id.publicKey), false);
  assert.equal(verifyDigest(with32(0, N), digest, id.publicKey), false);
  assert.equal(verifyDigest(with32(0, 2n ** 256n - 1n), digest, id.publicKey), false);
  assert.equal(verifyDigest(with32(32, N), digest, id.publicKey), false);
  const other = Uint8Array.from(digest);
  other[0] ^= 1;
  assert.equal(verifyDigest(sig, other, id.publicKey), false);
  assert.equal(verifyDigest(sig, digest, Identity.generate().publicKey), false);
});

test("a public key is a 33-byte compressed point on the curve", () => {
  const id = Identity.generate();
  assert.ok(isValidPublicKey(id.publicKey));
  assert.equal(isValidPublicKey(id.publicKey.subarray(0, 32)), false);
  const wrongPrefix = Uint8Array.from(id.publicKey);
  wrongPrefix[0] = 0x04;
  assert.equal(isValidPublicKey(wrongPrefix), false);
  assert.equal(isValidPublicKey(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false)), false);
  // An x for which x^3 + 7 is not a square modulo p: no point has it.
  const p = 2n ** 256n - 2n ** 32n - 977n;
  const pow = (b, e) => {
    let r = 1n;
    for (b %= p; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) r = (r * b) % p;
    return r;
  };
  let x = 1n;
  while (pow(x ** 3n + 7n, (p - 1n) / 2n) === 1n) x++;
  assert.equal(isValidPublicKey(fromHex("02" + x.toString(16).padStart(64, "0"))), false);
});

test("an identity is kept in a Map and found again", () => {
  const store = new Map();
  const first = loadOrCreateIdentity(store);
  assert.ok(store.has(STORAGE_KEY));
  assert.ok(loadOrCreateIdentity(store).peerId.equals(first.peerId));
  assert.equal(loadOrCreateIdentity(new Map()).peerId.equals(first.peerId), false);
});

test("an identity is kept in something shaped as localStorage", () => {
  const items = {};
  const storage = {
    getItem: (k) => (k in items ? items[k] : null),
    setItem: (k, v) => {
      items[k] = String(v);
    },
  };
  const first = loadOrCreateIdentity(storage);
  assert.ok(loadOrCreateIdentity(storage).peerId.equals(first.peerId));
  assert.equal(JSON.parse(items[STORAGE_KEY]).v, 1);
});

test("an unreadable stored identity is replaced, not fatal", () => {
  const store = new Map([[STORAGE_KEY, "not json"]]);
  const id = loadOrCreateIdentity(store);
  assert.ok(loadOrCreateIdentity(store).peerId.equals(id.peerId));
});
