// The player page's Service Worker: answers the <audio> element's requests for /stream/TRACKID,
// Range and all, with verified bytes the page's swarm session reads — the browser plays and
// seeks the track's own bytes, whatever their format, and nothing is transcoded. Every other
// request goes to the network as it would without a worker.
import { askPage, CLAIM, INFO, READ } from "../src/page/bridge.js";
import { answerRange, bodyPieces } from "../src/page/range.js";

const STREAM = /^\/stream\/([1-9A-HJ-NP-Za-km-z]{32,44})$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
// A page loaded while this worker was activating can miss the claim above: it asks again.
self.addEventListener("message", (event) => {
  if (event.data?.type === CLAIM) event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || event.request.method !== "GET") return;
  const m = STREAM.exec(url.pathname);
  if (m) event.respondWith(stream(event, m[1]));
});

/** The page that plays `trackId`: the requesting one, else any window of this origin that does. */
async function playerOf(event, trackId) {
  const own = event.clientId ? await self.clients.get(event.clientId) : undefined;
  const windows = await self.clients.matchAll({ type: "window" });
  for (const client of own ? [own, ...windows.filter((w) => w.id !== own.id)] : windows) {
    try {
      const info = await askPage(client, { type: INFO, trackId }, 5000);
      return { client, info };
    } catch {
      // Not this window.
    }
  }
  return null;
}

async function stream(event, trackId) {
  const player = await playerOf(event, trackId);
  if (!player) return new Response(`no page plays ${trackId}`, { status: 404 });
  const { client, info } = player;
  const a = answerRange({
    range: event.request.headers.get("range"),
    size: info.size,
    contentType: info.contentType,
  });
  if (a.end < a.start) return new Response(null, { status: a.status, headers: a.headers });
  const read = async (offset, length) =>
    (await askPage(client, { type: READ, trackId, offset, length })).bytes;
  const pieces = bodyPieces(read, a.start, a.end);
  const body = new ReadableStream({
    async pull(controller) {
      try {
        const { value, done } = await pieces.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (e) {
        controller.error(e);
      }
    },
    cancel() {
      // The element went elsewhere (a seek): stop reading.
      pieces.return(undefined);
    },
  });
  return new Response(body, { status: a.status, headers: a.headers });
}
