// Identity (PROTOCOL.md section 1): a secp256k1 key, the peer ID derived from it, 64-byte low-S
// signatures.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { decodeCheck, encodeCheck } from "./base58.js";
import { concat, equal, fromHex, toBigInt, toHex } from "./bytes.js";

/** The version byte of a loudp2p peer ID. */
export const PEER_ID_VERSION = 0x30;
/** Length of a peer ID's wire form: the version byte and the 20-byte hash. */
export const PEER_ID_LENGTH = 21;
/** Length of a compressed public key. */
export const PUBLIC_KEY_LENGTH = 33;
/** Length of a signature, r || s. */
export const SIGNATURE_LENGTH = 64;
/** The order of secp256k1's group. */
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

/**
 * RIPEMD-160(SHA-256(key)) behind a version byte: a Bitcoin P2PKH address before Base58Check.
 * loudp2p hashes the compressed key with version 0x30; other versions and key forms are here only
 * to check the derivation against Bitcoin's published example.
 * @param {Uint8Array} publicKey
 * @param {number} [version]
 * @returns {Uint8Array} 21 bytes
 */
export function hash160WithVersion(publicKey, version = PEER_ID_VERSION) {
  return concat(Uint8Array.of(version), ripemd160(sha256(publicKey)));
}

/**
 * A peer's identifier: the 21 bytes derived from its public key, and their text form.
 * Immutable; compare with {@link PeerId#equals}.
 */
export class PeerId {
  /** @type {Uint8Array} */ #bytes;
  /** @type {string} */ #text;

  /** @param {Uint8Array} bytes the 21-byte wire form (checked) */
  constructor(bytes) {
    if (bytes.length !== PEER_ID_LENGTH) {
      throw new Error(`a peer ID has ${PEER_ID_LENGTH} bytes, not ${bytes.length}`);
    }
    if (bytes[0] !== PEER_ID_VERSION) {
      throw new Error(`a peer ID's version byte is 0x30, not 0x${bytes[0].toString(16)}`);
    }
    this.#bytes = Uint8Array.from(bytes);
    this.#text = encodeCheck(this.#bytes);
  }

  /**
   * The peer ID of a 33-byte compressed public key.
   * @param {Uint8Array} publicKey
   * @returns {PeerId}
   */
  static of(publicKey) {
    return new PeerId(hash160WithVersion(publicKey));
  }

  /**
   * Parses the text form.
   * @param {string} text
   * @returns {PeerId}
   * @throws {Error} on a character outside the alphabet, a checksum mismatch, a decoded length
   *   other than 21 bytes, or a version byte other than 0x30
   */
  static parse(text) {
    return new PeerId(decodeCheck(text));
  }

  /** @returns {Uint8Array} a copy of the 21-byte wire form */
  bytes() {
    return Uint8Array.from(this.#bytes);
  }

  /** @param {Uint8Array} bytes @returns {boolean} whether these are this ID's wire bytes */
  matches(bytes) {
    return equal(this.#bytes, bytes);
  }

  /** @param {PeerId | null | undefined} other @returns {boolean} */
  equals(other) {
    return other instanceof PeerId && other.matches(this.#bytes);
  }

  /** @returns {string} the text form, Base58Check, starting with `L` */
  toString() {
    return this.#text;
  }

  toJSON() {
    return this.#text;
  }
}

/**
 * Decodes a public key as the wire carries it.
 * @param {Uint8Array} bytes
 * @returns {boolean} whether it is a 33-byte compressed point (02 or 03, then x) on secp256k1
 */
export function isValidPublicKey(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== PUBLIC_KEY_LENGTH) return false;
  if (bytes[0] !== 0x02 && bytes[0] !== 0x03) return false;
  try {
    secp256k1.Point.fromBytes(bytes).assertValidity();
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a signature as PROTOCOL.md section 1 says a verifier must: exactly 64 bytes; r and s
 * neither zero nor at least n; s at most n/2 (a high-S twin is refused); and it verifies.
 * @param {Uint8Array} signature
 * @param {Uint8Array} digest the 32-byte SHA-256 digest that was signed
 * @param {Uint8Array} publicKey a key {@link isValidPublicKey} accepted
 * @returns {boolean}
 */
export function verifyDigest(signature, digest, publicKey) {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return false;
  const r = toBigInt(signature.subarray(0, 32));
  const s = toBigInt(signature.subarray(32));
  if (r === 0n || r >= N || s === 0n || s >= N || s > HALF_N) return false;
  try {
    return secp256k1.verify(signature, digest, publicKey, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}

/**
 * A key pair and its peer ID. Signs with RFC 6979 nonces and low S. Immutable.
 */
export class Identity {
  /** @type {Uint8Array} */ #secretKey;

  /** @param {Uint8Array} secretKey 32 bytes, a scalar from 1 to n - 1 */
  constructor(secretKey) {
    if (!secp256k1.utils.isValidSecretKey(secretKey)) {
      throw new Error("not a secp256k1 private key");
    }
    this.#secretKey = Uint8Array.from(secretKey);
    /** The 33-byte compressed public key. @type {Uint8Array} */
    this.publicKey = secp256k1.getPublicKey(this.#secretKey, true);
    /** @type {PeerId} */
    this.peerId = PeerId.of(this.publicKey);
    Object.freeze(this);
  }

  /** @returns {Identity} a fresh identity from the platform's secure random source */
  static generate() {
    return new Identity(secp256k1.utils.randomSecretKey());
  }

  /**
   * Signs a digest: 64 bytes r || s, low S, deterministic nonce (RFC 6979).
   * @param {Uint8Array} digest 32 bytes
   * @returns {Uint8Array}
   */
  signDigest(digest) {
    if (digest.length !== 32) throw new Error("a digest has 32 bytes");
    return secp256k1.sign(digest, this.#secretKey, { prehash: false, lowS: true, format: "compact" });
  }

  /** @returns {string} the private key in hex, to store it */
  exportSecretKey() {
    return toHex(this.#secretKey);
  }
}

/** The storage key under which {@link loadOrCreateIdentity} keeps the identity. */
export const STORAGE_KEY = "loudp2p.identity";

/**
 * Something that keeps strings: the browser's `localStorage` (getItem/setItem), or a `Map`.
 * @typedef {{getItem(key: string): string | null, setItem(key: string, value: string): void}
 *   | {get(key: string): string | undefined, set(key: string, value: string): unknown}} KeyValueStore
 */

/**
 * The identity kept in `storage`, made and stored on first use, so that a page keeps one peer ID
 * across visits. Without storage (and with no `localStorage` in this environment) the identity
 * lasts as long as the page. Anything that runs script on the page's origin can read it there:
 * it is a light client's identity, not a wallet.
 * @param {KeyValueStore | null} [storage] default: `globalThis.localStorage` when there is one
 * @returns {Identity}
 */
export function loadOrCreateIdentity(storage = globalThis.localStorage ?? null) {
  const store = storage ? adapt(storage) : null;
  const saved = store?.get(STORAGE_KEY);
  if (saved) {
    try {
      const { v, secretKey } = JSON.parse(saved);
      if (v === 1) return new Identity(fromHex(secretKey));
    } catch {
      // An unreadable entry: make a new identity rather than fail the page.
    }
  }
  const identity = Identity.generate();
  store?.set(STORAGE_KEY, JSON.stringify({ v: 1, secretKey: identity.exportSecretKey() }));
  return identity;
}

/** @param {KeyValueStore} s */
function adapt(s) {
  if (typeof s.getItem === "function") {
    return { get: (k) => s.getItem(k), set: (k, v) => s.setItem(k, v) };
  }
  return { get: (k) => s.get(k) ?? null, set: (k, v) => s.set(k, v) };
}
