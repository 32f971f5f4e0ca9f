// The built page in a real browser (headless Chromium, when installed): served with a fake peer
// at one origin and a fake swarm session in place of src/session.js, it bootstraps, plays
// #play=TRACKID through its Service Worker, seeks, and reports its test hooks. Skips itself when
// no Chromium is found ($CHROMIUM, else chromium or google-chrome on the PATH).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { build } from "../scripts/build.js";
import * as base58 from "../src/base58.js";
import { PeerExchangeSchema } from "../src/gen/loudp2p/v1/wire_pb.js";
import { fakePeer } from "./support/fake-peer.js";
import { testWav } from "./support/wav.js";

function findChromium() {
  for (const name of [process.env.CHROMIUM, "chromium", "chromium-browser", "google-chrome"]) {
    if (name && spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0) return name;
  }
  return null;
}

const chromium = findChromium();
const TYPES = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8" };

test("the page plays and seeks a track through its Service Worker", { skip: !chromium && "no Chromium", timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "loudp2p-page-browser-"));
  const session = fileURLToPath(new URL("./support/page-fake-session.js", import.meta.url));
  await build(join(dir, "page"), { session });
  const peer = fakePeer({
    ExchangePeers: () => [{ case: "peerExchange", value: create(PeerExchangeSchema, {}) }],
    GetManifest: () => ({ status: 9, message: "no such track here" }),
  });
  /** @type {any[]} */
  const reports = [];
  let seekAsked = false;
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const path = new URL(req.url, "http://x").pathname;
    requests.push(`${req.method} ${path} ${req.headers.range ?? ""}`);
    if (req.method === "POST" && path === "/report") {
      const report = JSON.parse(body.toString());
      reports.push(report);
      const seekTo = report.state.currentTime > 2 && !seekAsked ? ((seekAsked = true), 20) : null;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ seekTo }));
    } else if (req.method === "POST") {
      const answer = await peer.fetch(`http://x${path}`, { method: "POST", body: new Uint8Array(body) });
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    } else {
      const name = path === "/" ? "index.html" : path.slice(1);
      try {
        if (!/^[\w.-]+$/.test(name)) throw new Error();
        const file = await readFile(join(dir, "page", name));
        res.writeHead(200, { "content-type": TYPES[name.split(".").pop()] ?? "application/octet-stream" });
        res.end(file);
      } catch {
        res.writeHead(404).end();
      }
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  const trackId = base58.encode(new Uint8Array(32).fill(5));
  const browser = spawn(chromium, [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio",
    "--autoplay-policy=no-user-gesture-required", `--user-data-dir=${join(dir, "profile")}`,
    "--remote-debugging-port=0", `http://127.0.0.1:${port}/#play=${trackId}`,
  ], { stdio: "ignore" });
  try {
    const deadline = Date.now() + 60_000;
    let last = null;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      last = reports.at(-1);
      if (last?.digest && seekAsked && last.state.currentTime > 21) break;
    }
    assert.ok(last, "the page never reported");
    const { state, digest } = last;
    if (process.env.DEBUG_PAGE) console.error(JSON.stringify(last), requests);
    assert.equal(state.error, null);
    assert.ok(reports.some((r) => r.state.playing), "never playing");
    assert.ok(state.currentTime > 21, `played to ${state.currentTime} s after a seek to 20 s`);
    assert.ok(Math.abs(state.duration - 30) < 0.1, `duration ${state.duration}`);
    assert.equal(state.sources.length, 3);
    assert.equal(state.complete, true);
    assert.equal(digest, createHash("sha256").update(testWav()).digest("hex"));
    assert.ok(Number.isInteger(state.waitingEvents));
  } finally {
    browser.kill("SIGTERM");
    await new Promise((r) => (browser.exitCode !== null ? r() : browser.once("exit", r)));
    server.closeAllConnections();
    server.close();
    // Chromium's helper processes may still be writing the profile as the browser exits.
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
});
