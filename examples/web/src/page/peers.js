// Which peers a page can fetch from: those with a gRPC-Web address. wire.proto has no transport
// kind for it yet (TRANSPORT_KIND_GRPC is native gRPC on HTTP/2, which a page cannot call), so
// the page takes an endpoint of kind 3 — the value a `TRANSPORT_KIND_GRPC_WEB` would get — as
// the peer's gRPC-Web address, `http://IP:PORT`, and always has the peer that served it (the
// origin). Records without such an endpoint are not reachable from a page.
import { formatIp } from "../client.js";

/** The transport kind taken to mean gRPC-Web (not yet in wire.proto). */
export const TRANSPORT_KIND_GRPC_WEB = 3;

/**
 * @param {{record: {endpoints: Array<{transport: number, ip: Uint8Array, port: number}>}}} signed
 *   a checked peer record
 * @returns {string | null} its first gRPC-Web address as a URL origin
 */
export function webUrlOf(signed) {
  for (const e of signed?.record?.endpoints ?? []) {
    if (e.transport !== TRANSPORT_KIND_GRPC_WEB) continue;
    if (!(e.port >= 1 && e.port <= 65535) || (e.ip.length !== 4 && e.ip.length !== 16)) continue;
    const host = e.ip.length === 4 ? formatIp(e.ip) : `[${formatIp(e.ip)}]`;
    return `http://${host}:${e.port}`;
  }
  return null;
}

/**
 * The sources of a track for a swarm session: the hit's sources a page can reach, then the origin
 * peer (when it is not among them), without repeats.
 * @param {Array<{peerId: {toString(): string}}>} hitSources checked records
 * @param {{url: string, peer: {toString(): string} | null}} origin
 * @param {(signed: any) => string | null} [urlOf]
 * @returns {Array<{url: string, peer: any}>}
 */
export function sourcesFor(hitSources, origin, urlOf = webUrlOf) {
  const out = [];
  const seen = new Set();
  for (const s of hitSources ?? []) {
    const url = urlOf(s);
    const key = String(s.peerId);
    if (url && !seen.has(key)) {
      seen.add(key);
      out.push({ url, peer: s.peerId });
    }
  }
  if (origin.peer && !seen.has(String(origin.peer))) out.push({ url: origin.url, peer: origin.peer });
  return out;
}
