// Small helpers over Uint8Array, so the rest reads as the protocol does.

/** @param {Uint8Array} bytes @returns {string} lower-case hex */
export function toHex(bytes) {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** @param {string} hex an even number of hex digits (white space ignored) @returns {Uint8Array} */
export function fromHex(hex) {
  const h = hex.replace(/\s+/g, "");
  if (h.length % 2 !== 0 || /[^0-9a-fA-F]/.test(h)) throw new Error(`not hex: ${hex}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** @param {...Uint8Array} parts @returns {Uint8Array} the parts one after the other */
export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** @param {Uint8Array} a @param {Uint8Array} b @returns {boolean} same length and content */
export function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * Compares as unsigned bytes, shorter first on a common prefix (the order of track IDs).
 * @param {Uint8Array} a @param {Uint8Array} b @returns {number} negative, zero or positive
 */
export function compare(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/** @param {Uint8Array} bytes @returns {bigint} the unsigned big-endian integer */
export function toBigInt(bytes) {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** @param {number} n @returns {Uint8Array} n bytes from the platform's secure random source */
export function randomBytes(n) {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

const encoder = new TextEncoder();
/** @param {string} s @returns {Uint8Array} UTF-8 */
export function utf8(s) {
  return encoder.encode(s);
}
