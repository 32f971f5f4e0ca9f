import assert from "node:assert/strict";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { fromHex, toBigInt, toHex } from "../src/bytes.js";
import {
  EnvelopeError,
  EnvelopeOpener,
  EnvelopeSealer,
  MESSAGE_DOMAIN,
  PEER_RECORD_DOMAIN,
  ReplayGuard,
  signedDigest,
} from "../src/envelope.js";
import { Identity, N } from "../src/identity.js";
import {
  EndpointSchema,
  EnvelopeSchema,
  ListTracksSchema,
  PayloadSchema,
  PeerRecordPayloadSchema,
  PeerRecordSchema,
  Role,
  SearchQuerySchema,
  TransportKind,
} from "../src/gen/loudp2p/v1/wire_pb.js";

const NOW = 1_790_000_000_000;
const SKEW = 2 * 60 * 1000;
const clock = () => NOW;
const alice = Identity.generate();
const listTracks = { case: "listTracks", value: create(ListTracksSchema, { limit: 10 }) };

/** A sealer whose timestamps are `at` (default: now). */
const sealer = (at = NOW, identity = alice) => new EnvelopeSealer(identity, { now: () => at });
const opener = (options = {}) => new EnvelopeOpener({ now: clock, ...options });

/** An envelope of arbitrary payload bytes, signed by `identity` under `domain`. */
function signed(payload, { identity = alice, domain = MESSAGE_DOMAIN } = {}) {
  return create(EnvelopeSchema, {
    payload,
    signerPublicKey: identity.publicKey,
    signature: identity.signDigest(signedDigest(domain, payload)),
  });
}

/** A Payload's bytes with defaults a valid message has. */
function payload(fields = {}) {
  return toBinary(PayloadSchema, create(PayloadSchema, {
    senderPeerId: alice.peerId.bytes(),
    timestampMs: BigInt(NOW),
    nonce: crypto.getRandomValues(new Uint8Array(16)),
    body: listTracks,
    ...fields,
  }));
}

const bytes = (envelope) => toBinary(EnvelopeSchema, envelope);

/** Asserts that `fn` throws an EnvelopeError for `reason`, its message starting with the name. */
function refuses(fn, reason) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof EnvelopeError, `${e}`);
    assert.equal(e.reason, reason, e.message);
    assert.ok(e.message.startsWith(`${reason}: `));
    return true;
  });
}

test("seals the worked example's envelope byte for byte", () => {
  const identity = new Identity(fromHex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"));
  const nonce = fromHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  const s = new EnvelopeSealer(identity, { now: () => 1_790_000_000_000, random: () => nonce });
  const envelope = s.seal({
    case: "searchQuery",
    value: create(SearchQuerySchema, {
      queryId: fromHex("000102030405060708090a0b0c0d0e0f"),
      terms: ["sigur", "ros"],
      ttl: 3,
    }),
  });
  assert.equal(
    toHex(envelope),
    "0a520a1530587c9bfc87a837a056f716c2f9de891adbc46c901080d8c1a28c34"
      + "1a10a0a1a2a3a4a5a6a7a8a9aaabacadaeaf5a200a1000010203040506070809"
      + "0a0b0c0d0e0f120573696775721203726f73180312210284bf7562262bbd6940"
      + "085748f3be6afa52ae317155181ece31b66351ccffa4b01a40b3f679b0ba311d"
      + "c32a04c80050ed849a7fb69ec9f5b0ede0af402d5c574568c864401d71205203"
      + "97096dab3e56eb620e4d480f61b9a49de476db275c6c71f2db",
  );
});

test("a sealed message opens with its sender, body and a fresh 16-byte nonce", () => {
  const wire = sealer().seal(listTracks);
  const m = opener().open(wire, { method: "ListTracks" });
  assert.ok(m.sender.equals(alice.peerId));
  assert.equal(m.payload.body.case, "listTracks");
  assert.equal(m.payload.body.value.limit, 10);
  assert.equal(m.payload.timestampMs, BigInt(NOW));
  assert.equal(m.payload.nonce.length, 16);
  const again = opener().open(sealer().seal(listTracks));
  assert.notEqual(toHex(again.payload.nonce), toHex(m.payload.nonce));
});

test("rule 1: an envelope over the size limit is TOO_LARGE", () => {
  const wire = sealer().seal(listTracks);
  refuses(() => opener({ maxEnvelopeBytes: wire.length - 1 }).open(wire), "TOO_LARGE");
  refuses(() => opener().open(new Uint8Array((1 << 20) + 1)), "TOO_LARGE");
  assert.ok(opener({ maxEnvelopeBytes: wire.length }).open(wire));
});

test("rule 2: bytes that do not parse as an Envelope are MALFORMED_ENVELOPE", () => {
  refuses(() => opener().open(Uint8Array.of(0x0a, 0x05, 1, 2)), "MALFORMED_ENVELOPE");
  refuses(() => opener().open(Uint8Array.of(0xff, 0xff, 0xff)), "MALFORMED_ENVELOPE");
});

test("rule 3: a key that is not a compressed point on the curve is BAD_PUBLIC_KEY", () => {
  const good = signed(payload());
  for (const key of [
    good.signerPublicKey.subarray(0, 32),
    Uint8Array.from([0x04, ...good.signerPublicKey.subarray(1)]),
    new Uint8Array(0),
    fromHex("02" + "00".repeat(32)),
  ]) {
    refuses(() => opener().open(bytes({ ...good, signerPublicKey: key })), "BAD_PUBLIC_KEY");
  }
});

test("rule 4: a flipped byte, a high-S twin, another domain or another payload are BAD_SIGNATURE", () => {
  const good = signed(payload());
  const flipped = Uint8Array.from(good.signature);
  flipped[10] ^= 1;
  refuses(() => opener().open(bytes({ ...good, signature: flipped })), "BAD_SIGNATURE");
  const twin = Uint8Array.from(good.signature);
  twin.set(fromHex((N - toBigInt(good.signature.subarray(32))).toString(16).padStart(64, "0")), 32);
  refuses(() => opener().open(bytes({ ...good, signature: twin })), "BAD_SIGNATURE");
  refuses(() => opener().open(bytes({ ...good, signature: good.signature.subarray(0, 63) })), "BAD_SIGNATURE");
  refuses(() => opener().open(bytes(signed(payload(), { domain: PEER_RECORD_DOMAIN }))), "BAD_SIGNATURE");
  const other = Uint8Array.from(good.payload);
  other[other.length - 1] ^= 1;
  refuses(() => opener().open(bytes({ ...good, payload: other })), "BAD_SIGNATURE");
  refuses(() => opener().open(bytes({ ...good, signerPublicKey: Identity.generate().publicKey })), "BAD_SIGNATURE");
});

test("rule 5: a payload that is not a Payload, or a nonce of other than 16 bytes, is MALFORMED_PAYLOAD", () => {
  refuses(() => opener().open(bytes(signed(Uint8Array.of(0xff, 0xff)))), "MALFORMED_PAYLOAD");
  refuses(() => opener().open(bytes(signed(payload({ nonce: new Uint8Array(15) })))), "MALFORMED_PAYLOAD");
  refuses(() => opener().open(bytes(signed(payload({ nonce: new Uint8Array(0) })))), "MALFORMED_PAYLOAD");
  // Invalid UTF-8 in a string field (a search term) fails to parse, as proto3 parsers refuse it.
  const query = Uint8Array.of(0x12, 0x02, 0xc3, 0x28);
  const raw = Uint8Array.from([...payload({ body: { case: undefined } }), 0x5a, query.length, ...query]);
  refuses(() => opener().open(bytes(signed(raw))), "MALFORMED_PAYLOAD");
});

test("rule 6: a sender other than the signer's peer ID is SENDER_MISMATCH", () => {
  const bob = Identity.generate();
  refuses(() => opener().open(bytes(signed(payload({ senderPeerId: bob.peerId.bytes() })))), "SENDER_MISMATCH");
  refuses(() => opener().open(bytes(signed(payload({ senderPeerId: new Uint8Array(0) })))), "SENDER_MISMATCH");
});

test("rule 7: a payload without a known body is MISSING_BODY", () => {
  refuses(() => opener().open(bytes(signed(payload({ body: { case: undefined } })))), "MISSING_BODY");
  // A body field this revision does not know is an unknown field: no body either.
  const unknown = Uint8Array.from([...payload({ body: { case: undefined } }), 0xba, 0x06, 0x00]);
  refuses(() => opener().open(bytes(signed(unknown))), "MISSING_BODY");
});

test("rule 8: a body that does not fit the method is WRONG_METHOD and uses up no replay memory", () => {
  const o = opener();
  const wire = sealer().seal(listTracks);
  refuses(() => o.open(wire, { method: "Search" }), "WRONG_METHOD");
  refuses(() => o.open(wire, { method: "ListTracks", answer: true }), "WRONG_METHOD");
  assert.ok(o.open(wire, { method: "ListTracks" }));
  const answer = sealer().seal({ case: "trackList", value: {} });
  assert.ok(o.openAnswer(answer, "ListTracks"));
});

test("rule 9: a timestamp more than the skew before now is STALE", () => {
  refuses(() => opener().open(sealer(NOW - SKEW - 1).seal(listTracks)), "STALE");
  assert.ok(opener().open(sealer(NOW - SKEW).seal(listTracks)));
});

test("rule 10: a timestamp more than the skew after now is FROM_FUTURE", () => {
  refuses(() => opener().open(sealer(NOW + SKEW + 1).seal(listTracks)), "FROM_FUTURE");
  assert.ok(opener().open(sealer(NOW + SKEW).seal(listTracks)));
});

test("rule 11: the same sender and nonce twice is REPLAYED", () => {
  const o = opener();
  const wire = sealer().seal(listTracks);
  assert.ok(o.open(wire));
  refuses(() => o.open(wire), "REPLAYED");
  // The same nonce from another sender is another pair.
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const bob = Identity.generate();
  assert.ok(o.open(bytes(signed(payload({ nonce })))));
  assert.ok(o.open(bytes(signed(toBinary(PayloadSchema, create(PayloadSchema, {
    senderPeerId: bob.peerId.bytes(), timestampMs: BigInt(NOW), nonce, body: listTracks,
  })), { identity: bob }))));
});

test("rules apply in order: a bad key or signature is named before what the payload lacks", () => {
  const noBody = signed(payload({ body: { case: undefined } }));
  refuses(() => opener().open(bytes({ ...noBody, signerPublicKey: new Uint8Array(5) })), "BAD_PUBLIC_KEY");
  refuses(() => opener().open(bytes({ ...noBody, signature: new Uint8Array(64) })), "BAD_SIGNATURE");
  const staleWrongMethod = sealer(NOW - 10 * SKEW).seal(listTracks);
  refuses(() => opener().open(staleWrongMethod, { method: "Search" }), "WRONG_METHOD");
  const staleMismatch = signed(payload({ senderPeerId: Identity.generate().peerId.bytes(), timestampMs: 0n }));
  refuses(() => opener().open(bytes(staleMismatch)), "SENDER_MISMATCH");
});

test("an answer from another peer than the one called is UNEXPECTED_PEER", () => {
  const answer = sealer().seal({ case: "trackList", value: {} });
  refuses(() => opener().openAnswer(answer, "ListTracks", Identity.generate().peerId), "UNEXPECTED_PEER");
  assert.ok(opener().openAnswer(answer, "ListTracks", alice.peerId));
});

test("a full replay memory forgets the oldest pair and refuses anything not newer as STALE", () => {
  let now = NOW;
  const o = new EnvelopeOpener({ now: () => now, replayMemory: 2 });
  const first = sealer(NOW).seal(listTracks);
  assert.ok(o.open(first));
  assert.ok(o.open(sealer(NOW + 1).seal(listTracks)));
  assert.ok(o.open(sealer(NOW + 2).seal(listTracks)));
  refuses(() => o.open(first), "STALE");
  refuses(() => o.open(sealer(NOW).seal(listTracks)), "STALE");
  assert.ok(o.open(sealer(NOW + 3).seal(listTracks)));
  // Pairs that left the skew window are forgotten; the window itself refuses them.
  now = NOW + SKEW + 10;
  assert.ok(o.open(sealer(now).seal(listTracks)));
  assert.ok(o.replay.size <= 2);
});

test("a replay guard keeps pairs only while they are inside the window", () => {
  const g = new ReplayGuard(100);
  const s = Uint8Array.of(1);
  for (let i = 0; i < 10; i++) assert.equal(g.check(s, Uint8Array.of(i), BigInt(i), 0n), "ACCEPTED");
  assert.equal(g.check(s, Uint8Array.of(3), 3n, 0n), "REPLAYED");
  assert.equal(g.check(s, Uint8Array.of(20), 20n, 5n), "ACCEPTED");
  assert.equal(g.size, 6);
});

// Peer records (PROTOCOL.md section 2, "Peer records").

function record(fields = {}) {
  return create(PeerRecordSchema, {
    sequence: 1n,
    expiresAtMs: BigInt(NOW + 3_600_000),
    role: Role.LIGHT,
    ...fields,
  });
}

const endpoint = (ip, port) => create(EndpointSchema, { transport: TransportKind.GRPC, ip, port });

test("a LIGHT record without endpoints seals and opens", () => {
  const r = opener().openRecord(sealer().sealRecord(record()));
  assert.ok(r.peerId.equals(alice.peerId));
  assert.equal(r.record.role, Role.LIGHT);
  assert.equal(r.record.endpoints.length, 0);
});

test("a record with 8 endpoints of 4 or 16 bytes opens; 9, or a bad address or port, is MALFORMED_PAYLOAD", () => {
  const eight = Array.from({ length: 8 }, (_, i) => endpoint(i % 2 ? new Uint8Array(16) : Uint8Array.of(10, 0, 0, i), 1 + i));
  assert.ok(opener().openRecord(sealer().sealRecord(record({ endpoints: eight }))));
  for (const endpoints of [
    [...eight, endpoint(Uint8Array.of(10, 0, 0, 9), 9)],
    [endpoint(Uint8Array.of(10, 0, 0), 80)],
    [endpoint(Uint8Array.of(10, 0, 0, 1), 0)],
    [endpoint(Uint8Array.of(10, 0, 0, 1), 65536)],
  ]) {
    refuses(() => opener().openRecord(sealer().sealRecord(record({ endpoints }))), "MALFORMED_PAYLOAD");
  }
});

test("a record that expired is STALE; one valid for more than a day and the skew is FROM_FUTURE", () => {
  refuses(() => opener().openRecord(sealer().sealRecord(record({ expiresAtMs: BigInt(NOW) }))), "STALE");
  const limit = NOW + 24 * 3_600_000 + SKEW;
  assert.ok(opener().openRecord(sealer().sealRecord(record({ expiresAtMs: BigInt(limit) }))));
  refuses(() => opener().openRecord(sealer().sealRecord(record({ expiresAtMs: BigInt(limit + 1) }))), "FROM_FUTURE");
});

test("a record over 1,024 bytes is TOO_LARGE; one signed as a message is BAD_SIGNATURE", () => {
  const big = toBinary(PeerRecordPayloadSchema, create(PeerRecordPayloadSchema, {
    peerId: alice.peerId.bytes(), record: record(),
  }));
  const padded = Uint8Array.from([...big, 0x7a, 0x84, 0x08, ...new Uint8Array(0x404)]); // field 15
  refuses(() => opener().openRecord(signed(padded, { domain: PEER_RECORD_DOMAIN })), "TOO_LARGE");
  refuses(() => opener().openRecord(signed(big)), "BAD_SIGNATURE");
  assert.ok(opener().openRecord(signed(big, { domain: PEER_RECORD_DOMAIN })));
});

test("a record of another peer than its signer is SENDER_MISMATCH; one without a record MISSING_BODY", () => {
  const other = toBinary(PeerRecordPayloadSchema, create(PeerRecordPayloadSchema, {
    peerId: Identity.generate().peerId.bytes(), record: record(),
  }));
  refuses(() => opener().openRecord(signed(other, { domain: PEER_RECORD_DOMAIN })), "SENDER_MISMATCH");
  const none = toBinary(PeerRecordPayloadSchema, create(PeerRecordPayloadSchema, { peerId: alice.peerId.bytes() }));
  refuses(() => opener().openRecord(signed(none, { domain: PEER_RECORD_DOMAIN })), "MISSING_BODY");
});
