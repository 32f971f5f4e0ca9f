// The page's hash route: `#play=TRACKID` plays that track at once; `#q=WORDS` searches.
import * as base58 from "../base58.js";

/**
 * @param {string} hash `location.hash`, with or without its `#`
 * @returns {{play: string | null, q: string | null}} `play` only for a well-formed track ID
 *   (Base58 of 32 bytes)
 */
export function parseRoute(hash) {
  const params = new URLSearchParams(String(hash ?? "").replace(/^#/, ""));
  const play = params.get("play")?.trim() ?? "";
  const q = params.get("q")?.trim() ?? "";
  return { play: isTrackId(play) ? play : null, q: q === "" ? null : q };
}

/** @param {string} id @returns {string} the hash that plays it */
export function playHash(id) {
  return `#play=${encodeURIComponent(id)}`;
}

/** @param {string} text @returns {boolean} the Base58 text form of a 32-byte track ID */
export function isTrackId(text) {
  if (!/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(text)) return false;
  try {
    return base58.decode(text).length === 32;
  } catch {
    return false;
  }
}
