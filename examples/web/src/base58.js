// Base58 with Bitcoin's alphabet, and Base58Check (PROTOCOL.md section 1).
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, equal } from "./bytes.js";

export const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

/**
 * Base58 of a byte string: each leading zero byte becomes a leading `1`.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function encode(bytes) {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  let s = "";
  while (v > 0n) {
    s = ALPHABET[Number(v % 58n)] + s;
    v /= 58n;
  }
  return "1".repeat(zeros) + s;
}

/**
 * The bytes of a Base58 string.
 * @param {string} text
 * @returns {Uint8Array}
 * @throws {Error} on a character outside the alphabet
 */
export function decode(text) {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === "1") zeros++;
  let v = 0n;
  for (const c of text) {
    const d = INDEX.get(c);
    if (d === undefined) throw new Error(`'${c}' is not a Base58 character`);
    v = v * 58n + BigInt(d);
  }
  const body = [];
  while (v > 0n) {
    body.push(Number(v & 0xffn));
    v >>= 8n;
  }
  const out = new Uint8Array(zeros + body.length);
  for (let i = 0; i < body.length; i++) out[out.length - 1 - i] = body[i];
  return out;
}

/** The first 4 bytes of SHA-256(SHA-256(bytes)). */
function checksum(bytes) {
  return sha256(sha256(bytes)).subarray(0, 4);
}

/**
 * Base58(bytes || first 4 bytes of SHA-256(SHA-256(bytes))).
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function encodeCheck(bytes) {
  return encode(concat(bytes, checksum(bytes)));
}

/**
 * The bytes of a Base58Check string, its checksum verified and removed.
 * @param {string} text
 * @returns {Uint8Array}
 * @throws {Error} on a character outside the alphabet, a string too short to hold a checksum, or
 *   a checksum mismatch
 */
export function decodeCheck(text) {
  const all = decode(text);
  if (all.length < 4) throw new Error("too short for a Base58Check checksum");
  const body = all.subarray(0, all.length - 4);
  if (!equal(checksum(body), all.subarray(all.length - 4))) {
    throw new Error("Base58Check checksum mismatch");
  }
  return body;
}
