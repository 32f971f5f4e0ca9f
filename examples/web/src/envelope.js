// Signed envelopes (PROTOCOL.md section 2): sealing direct messages and peer records, and opening
// them with every rule a receiver applies, in the spec's order.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, randomBytes, toHex, utf8 } from "./bytes.js";
import { PeerId, isValidPublicKey, verifyDigest } from "./identity.js";
import {
  EnvelopeSchema,
  PayloadSchema,
  PeerRecordPayloadSchema,
} from "./gen/loudp2p/v1/wire_pb.js";

/** The domain of direct messages, signed before the payload. */
export const MESSAGE_DOMAIN = utf8("loudp2p/v1/message\n");
/** The domain of peer records. */
export const PEER_RECORD_DOMAIN = utf8("loudp2p/v1/peer-record\n");
/** Length of a payload's nonce. */
export const NONCE_LENGTH = 16;
/** Default largest envelope accepted: 1 MiB. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 1 << 20;
/** Default clock skew allowed either way: 2 minutes. */
export const DEFAULT_MAX_SKEW_MS = 2 * 60 * 1000;
/** Largest signed peer record accepted. */
export const MAX_PEER_RECORD_BYTES = 1024;
/** Longest a peer record may claim to stay valid, counted from now (plus the skew). */
export const MAX_PEER_RECORD_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Most endpoints a peer record may list. */
export const MAX_RECORD_ENDPOINTS = 8;

/**
 * The names of the rejection rules, as PROTOCOL.md section 2 and loudp2p's `RejectReason` call
 * them, and one more: `UNEXPECTED_PEER`, an answer from another peer than the one called (not a
 * rule of section 2: the caller's own check, as loudp2p's client makes it).
 */
export const RejectReason = Object.freeze({
  TOO_LARGE: "TOO_LARGE",
  MALFORMED_ENVELOPE: "MALFORMED_ENVELOPE",
  BAD_PUBLIC_KEY: "BAD_PUBLIC_KEY",
  BAD_SIGNATURE: "BAD_SIGNATURE",
  MALFORMED_PAYLOAD: "MALFORMED_PAYLOAD",
  SENDER_MISMATCH: "SENDER_MISMATCH",
  MISSING_BODY: "MISSING_BODY",
  WRONG_METHOD: "WRONG_METHOD",
  STALE: "STALE",
  FROM_FUTURE: "FROM_FUTURE",
  REPLAYED: "REPLAYED",
  UNEXPECTED_PEER: "UNEXPECTED_PEER",
});

/** An envelope refused by one rule; `reason` names it, the message starts with it. */
export class EnvelopeError extends Error {
  /** @param {string} reason one of {@link RejectReason} @param {string} detail */
  constructor(reason, detail) {
    super(`${reason}: ${detail}`);
    this.name = "EnvelopeError";
    /** @type {string} */
    this.reason = reason;
  }
}

/**
 * The `Payload` body each control method carries in its request and in its answers (PROTOCOL.md
 * section 5), by gRPC method name; the values are protobuf-es oneof case names.
 */
export const METHOD_BODIES = Object.freeze({
  ExchangePeers: { request: "peerExchange", response: "peerExchange" },
  Search: { request: "searchQuery", response: "searchHits" },
  GetManifest: { request: "manifestRequest", response: "manifestResponse" },
  OpenStream: { request: "streamOpen", response: "streamAccept" },
  Shuffle: { request: "shuffle", response: "shuffle" },
  AnnounceRole: { request: "roleChange", response: "roleChange" },
  CheckReachability: { request: "reachabilityCheck", response: "reachabilityResult" },
  ListTracks: { request: "listTracks", response: "trackList" },
});

/** @param {Uint8Array} domain @param {Uint8Array} payload @returns {Uint8Array} what is signed */
export function signedDigest(domain, payload) {
  return sha256(concat(domain, payload));
}

/**
 * Signs outgoing messages as one identity: fills in sender, timestamp and nonce, serialises the
 * payload once and signs those exact bytes.
 */
export class EnvelopeSealer {
  /**
   * @param {import("./identity.js").Identity} identity
   * @param {{now?: () => number, random?: (n: number) => Uint8Array}} [options] the clock (ms
   *   since the epoch) and the nonce source; tests pass fixed ones
   */
  constructor(identity, { now = Date.now, random = randomBytes } = {}) {
    this.identity = identity;
    this.now = now;
    this.random = random;
  }

  /**
   * Seals a direct message.
   * @param {{case: string, value: object}} body a `Payload` body, e.g. `{case: "listTracks",
   *   value: create(ListTracksSchema, {limit: 100})}`
   * @returns {Uint8Array} the envelope's bytes
   */
  seal(body) {
    if (!body?.case) throw new Error("a message needs a body");
    const payload = toBinary(
      PayloadSchema,
      create(PayloadSchema, {
        senderPeerId: this.identity.peerId.bytes(),
        timestampMs: BigInt(this.now()),
        nonce: this.random(NONCE_LENGTH),
        body,
      }),
    );
    return toBinary(EnvelopeSchema, this.#sign(MESSAGE_DOMAIN, payload));
  }

  /**
   * Seals this identity's own peer record, to send in a `PeerExchange`.
   * @param {import("./gen/loudp2p/v1/wire_pb.js").PeerRecord} record
   * @returns {import("./gen/loudp2p/v1/wire_pb.js").Envelope}
   */
  sealRecord(record) {
    const payload = toBinary(
      PeerRecordPayloadSchema,
      create(PeerRecordPayloadSchema, { peerId: this.identity.peerId.bytes(), record }),
    );
    return this.#sign(PEER_RECORD_DOMAIN, payload);
  }

  #sign(domain, payload) {
    return create(EnvelopeSchema, {
      payload,
      signerPublicKey: this.identity.publicKey,
      signature: this.identity.signDigest(signedDigest(domain, payload)),
    });
  }
}

/**
 * A direct message whose envelope checked out.
 * @typedef {object} SignedMessage
 * @property {PeerId} sender who signed it
 * @property {import("./gen/loudp2p/v1/wire_pb.js").Payload} payload the parsed payload
 */

/**
 * A peer record whose envelope checked out.
 * @typedef {object} SignedPeerRecord
 * @property {PeerId} peerId the peer it describes, which signed it
 * @property {import("./gen/loudp2p/v1/wire_pb.js").PeerRecord} record
 * @property {import("./gen/loudp2p/v1/wire_pb.js").Envelope} envelope as received, to relay unchanged
 */

/**
 * Checks received envelopes and hands out only what checked out (PROTOCOL.md section 2, rules 1
 * to 11, in order; peer records by the rules of "Peer records"). One opener per client: its
 * replay memory must see every message the client receives.
 */
export class EnvelopeOpener {
  /**
   * @param {{now?: () => number, maxSkewMs?: number, maxEnvelopeBytes?: number,
   *   replayMemory?: number}} [options]
   */
  constructor({
    now = Date.now,
    maxSkewMs = DEFAULT_MAX_SKEW_MS,
    maxEnvelopeBytes = DEFAULT_MAX_ENVELOPE_BYTES,
    replayMemory = 10_000,
  } = {}) {
    this.now = now;
    this.maxSkewMs = maxSkewMs;
    this.maxEnvelopeBytes = maxEnvelopeBytes;
    this.replay = new ReplayGuard(replayMemory);
  }

  /**
   * Opens a direct message from its bytes: rules 1-7 and 9-11 (rule 8 with `method`).
   * @param {Uint8Array} wire the envelope's bytes as received
   * @param {{method?: string, answer?: boolean}} [options] `method`: the gRPC method the message
   *   belongs to; its body must be that method's request body, or with `answer` its answer body
   *   (refused as `WRONG_METHOD` before the timestamp and replay checks, so it uses up nothing of
   *   the replay memory)
   * @returns {SignedMessage}
   * @throws {EnvelopeError}
   */
  open(wire, { method, answer = false } = {}) {
    if (wire.length > this.maxEnvelopeBytes) {
      throw new EnvelopeError(
        RejectReason.TOO_LARGE,
        `${wire.length} bytes, the limit is ${this.maxEnvelopeBytes}`,
      );
    }
    let envelope;
    try {
      envelope = fromBinary(EnvelopeSchema, wire);
    } catch (e) {
      throw new EnvelopeError(RejectReason.MALFORMED_ENVELOPE, `not an Envelope: ${e.message}`);
    }
    const key = verifyEnvelope(envelope, MESSAGE_DOMAIN);
    let payload;
    try {
      payload = fromBinary(PayloadSchema, envelope.payload);
    } catch (e) {
      throw new EnvelopeError(RejectReason.MALFORMED_PAYLOAD, `not a Payload: ${e.message}`);
    }
    if (payload.nonce.length !== NONCE_LENGTH) {
      throw new EnvelopeError(
        RejectReason.MALFORMED_PAYLOAD,
        `nonce has ${payload.nonce.length} bytes, expected ${NONCE_LENGTH}`,
      );
    }
    const sender = checkSender(key, payload.senderPeerId);
    if (payload.body.case === undefined) {
      throw new EnvelopeError(RejectReason.MISSING_BODY, "the payload carries no known message");
    }
    if (method !== undefined) {
      const bodies = METHOD_BODIES[method];
      if (!bodies) throw new Error(`no method ${method}`);
      const expected = answer ? bodies.response : bodies.request;
      if (payload.body.case !== expected) {
        throw new EnvelopeError(
          RejectReason.WRONG_METHOD,
          `${method} ${answer ? "answers with" : "carries"} ${expected}, not ${payload.body.case}`,
        );
      }
    }
    const now = BigInt(this.now());
    const skew = BigInt(this.maxSkewMs);
    const timestamp = payload.timestampMs;
    if (timestamp < now - skew) {
      throw new EnvelopeError(
        RejectReason.STALE,
        `timestamp ${timestamp} is more than ${skew} ms before now (${now})`,
      );
    }
    if (timestamp > now + skew) {
      throw new EnvelopeError(
        RejectReason.FROM_FUTURE,
        `timestamp ${timestamp} is more than ${skew} ms after now (${now})`,
      );
    }
    const verdict = this.replay.check(payload.senderPeerId, payload.nonce, timestamp, now - skew);
    if (verdict === "REPLAYED") {
      throw new EnvelopeError(RejectReason.REPLAYED, `nonce already seen from ${sender}`);
    }
    if (verdict === "BELOW_FLOOR") {
      throw new EnvelopeError(
        RejectReason.STALE,
        `timestamp ${timestamp} is older than what the replay memory still covers`,
      );
    }
    return { sender, payload };
  }

  /**
   * Opens the answer of a call: {@link open} with the method's answer body, and, when
   * `expected` is given, the answer's sender must be that peer (`UNEXPECTED_PEER`).
   * @param {Uint8Array} wire
   * @param {string} method the gRPC method called
   * @param {PeerId | null} [expected]
   * @returns {SignedMessage}
   * @throws {EnvelopeError}
   */
  openAnswer(wire, method, expected = null) {
    const m = this.open(wire, { method, answer: true });
    if (expected && !m.sender.equals(expected)) {
      throw new EnvelopeError(
        RejectReason.UNEXPECTED_PEER,
        `answered by ${m.sender}, not ${expected}`,
      );
    }
    return m;
  }

  /**
   * Opens a peer record relayed by anyone: its size, key and signature (peer-record domain), its
   * payload, that its peer ID is its signer's, that it has a record, its endpoints, and its
   * expiry. The endpoint check comes before the expiry checks, as in loudp2p's opener.
   * @param {import("./gen/loudp2p/v1/wire_pb.js").Envelope} envelope
   * @returns {SignedPeerRecord}
   * @throws {EnvelopeError}
   */
  openRecord(envelope) {
    const size = toBinary(EnvelopeSchema, envelope).length;
    if (size > MAX_PEER_RECORD_BYTES) {
      throw new EnvelopeError(
        RejectReason.TOO_LARGE,
        `peer record of ${size} bytes, the limit is ${MAX_PEER_RECORD_BYTES}`,
      );
    }
    const key = verifyEnvelope(envelope, PEER_RECORD_DOMAIN);
    let payload;
    try {
      payload = fromBinary(PeerRecordPayloadSchema, envelope.payload);
    } catch (e) {
      throw new EnvelopeError(
        RejectReason.MALFORMED_PAYLOAD,
        `not a PeerRecordPayload: ${e.message}`,
      );
    }
    const peerId = checkSender(key, payload.peerId);
    const record = payload.record;
    if (!record) {
      throw new EnvelopeError(RejectReason.MISSING_BODY, "the peer record payload has no record");
    }
    if (record.endpoints.length > MAX_RECORD_ENDPOINTS) {
      throw new EnvelopeError(
        RejectReason.MALFORMED_PAYLOAD,
        `peer record lists ${record.endpoints.length} endpoints, at most ${MAX_RECORD_ENDPOINTS}`,
      );
    }
    for (const e of record.endpoints) {
      if ((e.ip.length !== 4 && e.ip.length !== 16) || e.port < 1 || e.port > 65535) {
        throw new EnvelopeError(
          RejectReason.MALFORMED_PAYLOAD,
          `peer record endpoint with a ${e.ip.length}-byte address and port ${e.port}`,
        );
      }
    }
    const now = BigInt(this.now());
    if (record.expiresAtMs <= now) {
      throw new EnvelopeError(
        RejectReason.STALE,
        `peer record of ${peerId} expired at ${record.expiresAtMs} (now ${now})`,
      );
    }
    if (record.expiresAtMs > now + BigInt(MAX_PEER_RECORD_LIFETIME_MS + this.maxSkewMs)) {
      throw new EnvelopeError(
        RejectReason.FROM_FUTURE,
        `peer record of ${peerId} claims to be valid for longer than a day`,
      );
    }
    return { peerId, record, envelope };
  }
}

/** Rules 3 and 4: the key, then the signature over SHA-256(domain || payload as received). */
function verifyEnvelope(envelope, domain) {
  const key = envelope.signerPublicKey;
  if (!isValidPublicKey(key)) {
    throw new EnvelopeError(
      RejectReason.BAD_PUBLIC_KEY,
      `not a 33-byte compressed secp256k1 point (${key.length} bytes)`,
    );
  }
  if (!verifyDigest(envelope.signature, signedDigest(domain, envelope.payload), key)) {
    throw new EnvelopeError(
      RejectReason.BAD_SIGNATURE,
      `the signature does not verify (or is malformed or high-S) for key of ${PeerId.of(key)}`,
    );
  }
  return key;
}

/** Rule 6: the payload's sender is the peer ID of the key that signed it. */
function checkSender(key, claimed) {
  const derived = PeerId.of(key);
  if (!derived.matches(claimed)) {
    throw new EnvelopeError(
      RejectReason.SENDER_MISMATCH,
      `the payload names another sender than ${derived}, whose key signed it`,
    );
  }
  return derived;
}

/**
 * Remembers (sender, nonce) pairs of accepted messages so that a replay is refused (rule 11), as
 * loudp2p's `ReplayGuard` does: a pair is kept while its timestamp is inside the skew window;
 * when `capacity` pairs are held the oldest is forgotten and the acceptance floor rises to its
 * timestamp, so a forgotten pair can never be accepted again (it is refused as stale).
 */
export class ReplayGuard {
  /** @param {number} capacity */
  constructor(capacity) {
    if (!(capacity >= 1)) throw new Error(`replay memory capacity must be positive: ${capacity}`);
    this.capacity = capacity;
    /** @type {Map<string, bigint>} */
    this.seen = new Map();
    /** Min-heap of [timestamp, key]. @type {Array<[bigint, string]>} */
    this.heap = [];
    this.floor = null;
  }

  /**
   * @param {Uint8Array} sender @param {Uint8Array} nonce @param {bigint} timestamp
   * @param {bigint} oldestAccepted the oldest timestamp the skew window still accepts
   * @returns {"ACCEPTED" | "REPLAYED" | "BELOW_FLOOR"}
   */
  check(sender, nonce, timestamp, oldestAccepted) {
    while (this.heap.length > 0 && this.heap[0][0] < oldestAccepted) {
      this.seen.delete(this.#pop()[1]);
    }
    if (this.floor !== null && timestamp <= this.floor) return "BELOW_FLOOR";
    const key = `${toHex(sender)}/${toHex(nonce)}`;
    if (this.seen.has(key)) return "REPLAYED";
    this.seen.set(key, timestamp);
    this.#push([timestamp, key]);
    while (this.seen.size > this.capacity) {
      const [t, k] = this.#pop();
      this.seen.delete(k);
      if (this.floor === null || t > this.floor) this.floor = t;
    }
    return this.floor !== null && timestamp <= this.floor ? "BELOW_FLOOR" : "ACCEPTED";
  }

  /** @returns {number} pairs held */
  get size() {
    return this.seen.size;
  }

  #push(item) {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p][0] <= h[i][0]) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  #pop() {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l][0] < h[m][0]) m = l;
        if (r < h.length && h[r][0] < h[m][0]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}
