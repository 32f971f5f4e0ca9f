// Short text forms for the player page.

/** @param {{toString(): string} | string} peer @returns {string} the first 8 characters and "…" */
export function shortPeer(peer) {
  const s = String(peer ?? "");
  return s.length > 10 ? `${s.slice(0, 8)}…` : s;
}

/** @param {number} n bytes @returns {string} such as "1.5 MB" */
export function formatBytes(n) {
  if (!(n >= 0)) return "–";
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** @param {number} bps bytes a second @returns {string} such as "1.5 MB/s" */
export function formatRate(bps) {
  return bps >= 0 ? `${formatBytes(bps)}/s` : "–";
}

/** @param {number} ms @returns {string} such as "3:05" or "1:02:03"; "–" when unknown */
export function formatDuration(ms) {
  if (!(ms >= 0) || !Number.isFinite(ms)) return "–";
  const s = Math.round(ms / 1000);
  const two = (x) => String(x).padStart(2, "0");
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}
