// The player page's Service Worker, the built file itself, run against a fake page: the page's
// end of the channel (src/page/bridge.js) answering with a fake swarm session's bytes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";
import * as base58 from "../src/base58.js";
import { pageResponder } from "../src/page/bridge.js";
import { DEFAULT_OUT } from "../scripts/build.js";

const ORIGIN = "http://127.0.0.1:8099";
const ID = base58.encode(new Uint8Array(32).fill(9));

/** The part of SwarmSession the page uses to serve the worker: verified bytes, clipped. */
function fakeSession(bytes) {
  const reads = [];
  return {
    size: bytes.length,
    reads,
    async read(offset, length) {
      reads.push([offset, length]);
      await new Promise((r) => setTimeout(r, 1)); // the swarm takes its time
      return bytes.slice(offset, Math.min(bytes.length, offset + length));
    },
  };
}

function loadWorker({ session, contentType = "audio/wav" }) {
  const handlers = {};
  const respond = pageResponder((id) => (id === ID ? {
    size: session.size, contentType, read: (o, l) => session.read(o, l),
  } : undefined));
  const page = {
    id: "page-1",
    postMessage(message, [port]) {
      // What arrives at the page as a message event of navigator.serviceWorker.
      setTimeout(() => respond(structuredClone(message), port), 0);
    },
  };
  const self = {
    location: new URL(`${ORIGIN}/sw.js`),
    clients: {
      claimed: false,
      async claim() { this.claimed = true; },
      async get(id) { return id === page.id ? page : undefined; },
      async matchAll() { return [page]; },
    },
    skipWaiting() {},
    addEventListener(type, fn) { handlers[type] = fn; },
  };
  const context = vm.createContext({
    self, URL, Response, ReadableStream, MessageChannel, setTimeout, clearTimeout, Uint8Array, Error, Promise,
  });
  vm.runInContext(readFileSync(`${DEFAULT_OUT}/sw.js`, "utf8"), context);
  return { handlers, self };
}

async function get(handlers, path, range, clientId = "page-1") {
  const headers = range ? { range } : {};
  let answer = null;
  handlers.fetch({
    request: new Request(`${ORIGIN}${path}`, { headers }),
    clientId,
    respondWith(p) { answer = p; },
  });
  return answer && (await answer);
}

function track(size) {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + (i >> 10)) & 0xff;
  return b;
}

test("the worker claims its pages on activation", async () => {
  const { handlers, self } = loadWorker({ session: fakeSession(track(10)) });
  let waited = null;
  handlers.activate({ waitUntil(p) { waited = p; } });
  await waited;
  assert.ok(self.clients.claimed);
});

test("the worker claims its pages again when a page it missed asks", async () => {
  const { handlers, self } = loadWorker({ session: fakeSession(track(10)) });
  let waited = null;
  handlers.message({ data: { type: "loudp2p-read" }, waitUntil(p) { waited = p; } });
  assert.equal(waited, null, "only a claim message is taken");
  handlers.message({ data: { type: "loudp2p-claim" }, waitUntil(p) { waited = p; } });
  await waited;
  assert.ok(self.clients.claimed);
});

test("the worker answers ranges with the session's verified bytes", async () => {
  const bytes = track(2_500_000);
  const session = fakeSession(bytes);
  const { handlers } = loadWorker({ session, contentType: "audio/flac" });

  const first = await get(handlers, `/stream/${ID}`, "bytes=0-");
  assert.equal(first.status, 206);
  assert.equal(first.headers.get("content-type"), "audio/flac");
  assert.equal(first.headers.get("accept-ranges"), "bytes");
  assert.equal(first.headers.get("content-range"), `bytes 0-1048575/2500000`);
  assert.deepEqual(new Uint8Array(await first.arrayBuffer()), bytes.subarray(0, 1048576));

  // A seek near the end, then a closed range.
  const seek = await get(handlers, `/stream/${ID}`, "bytes=2400000-");
  assert.equal(seek.headers.get("content-range"), "bytes 2400000-2499999/2500000");
  assert.deepEqual(new Uint8Array(await seek.arrayBuffer()), bytes.subarray(2_400_000));
  const closed = await get(handlers, `/stream/${ID}`, "bytes=100-199", undefined);
  assert.deepEqual(new Uint8Array(await closed.arrayBuffer()), bytes.subarray(100, 200));

  const past = await get(handlers, `/stream/${ID}`, "bytes=2500000-");
  assert.equal(past.status, 416);
  assert.equal(past.headers.get("content-range"), "bytes */2500000");
});

test("an aborted answer stops reading", async () => {
  const session = fakeSession(track(4_000_000));
  const { handlers } = loadWorker({ session });
  const answer = await get(handlers, `/stream/${ID}`, "bytes=0-");
  const reader = answer.body.getReader();
  await reader.read();
  await reader.cancel();
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(session.reads.length <= 3, `${session.reads.length} reads after a cancel`);
});

test("the worker leaves other requests to the network and says 404 for a track no page plays", async () => {
  const { handlers } = loadWorker({ session: fakeSession(track(10)) });
  assert.equal(await get(handlers, "/app.js"), null);
  assert.equal(await get(handlers, "/stream/not-a-track"), null);
  const other = base58.encode(new Uint8Array(32).fill(1));
  const missing = await get(handlers, `/stream/${other}`, "bytes=0-");
  assert.equal(missing.status, 404);
});
