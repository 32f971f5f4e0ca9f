// The loudp2p player page: served by a full peer at its gRPC-Web address, it bootstraps from that
// peer, searches through it, and plays a track from up to three peers at once. The <audio>
// element reads /stream/TRACKID, which the Service Worker (sw.js) answers with bytes this page's
// swarm session has verified against the track ID.
import { LightClient } from "../src/client.js";
import { loadOrCreateIdentity, PeerId } from "../src/identity.js";
import { CHUNK_SIZE } from "../src/merkle.js";
import { SwarmSession } from "../src/session.js";
import { CLAIM, pageResponder } from "../src/page/bridge.js";
import { chunkMapModel, FETCHING, MISSING, PARTIAL, playheadChunk, VERIFIED } from "../src/page/chunkmap.js";
import { formatBytes, formatDuration, formatRate, shortPeer } from "../src/page/format.js";
import { sourcesFor, webUrlOf } from "../src/page/peers.js";
import { mediaTypeOf } from "../src/page/range.js";
import { parseRoute, playHash } from "../src/page/route.js";

const MAX_SOURCES = 3;
const VIEW_INTERVAL_MS = 250;
const EVENTS_SHOWN = 8;
/** How often, and how far apart, the page asks the Service Worker to take it when it has not. */
const WORKER_CLAIM_ASKS = 20;
const WORKER_CLAIM_INTERVAL_MS = 500;

const $ = (id) => /** @type {any} */ (document.getElementById(id));
const audio = /** @type {HTMLAudioElement} */ ($("audio"));

const identity = loadOrCreateIdentity();
/** @type {LightClient | null} */
let client = null;
/** @type {{url: string, peer: any} | null} */
let origin = null;
/** Peers the origin told of that a page can reach, by peer ID. */
const reachable = new Map();
/** The last search's tracks, by ID, with their sources. */
const hits = new Map();

/** What plays now. */
const now = {
  /** @type {any} */ session: null,
  /** @type {{size: number, contentType: string, read: (o: number, l: number) => Promise<Uint8Array>} | null} */
  playable: null,
  id: "",
  started: false,
  playing: false,
  waitingEvents: 0,
  /** ms from the page's navigation to the first `playing` of what plays now, or null */
  firstPlayingMs: null,
  /** @type {string | null} */ error: null,
  /** @type {any} */ stats: null,
  /** @type {string[]} */ events: [],
  generation: 0,
};

// The Service Worker asks this page for the bytes of what it plays.
const respond = pageResponder((trackId) => (trackId === now.id ? now.playable ?? undefined : undefined));
const workerReady = startWorker();

async function startWorker() {
  if (!("serviceWorker" in navigator)) {
    throw new Error("this browser gives the page no Service Worker (an http page not on localhost?)");
  }
  const sw = navigator.serviceWorker;
  sw.addEventListener("message", (event) => respond(event.data, event.ports[0]));
  sw.startMessages();
  await sw.register("/sw.js", { scope: "/" });
  const registration = await sw.ready;
  if (sw.controller) return;
  // First load: the worker claims the page in its activate step. A page that came while the
  // worker was activating (a reload right after the first visit) can be missed by that claim
  // and would wait for ever: it asks the worker to claim it, every half second, for 10 s.
  const claimed = new Promise((resolve) => sw.addEventListener("controllerchange", resolve, { once: true }));
  for (let i = 0; i < WORKER_CLAIM_ASKS && !sw.controller; i++) {
    registration.active?.postMessage({ type: CLAIM });
    await Promise.race([claimed, new Promise((resolve) => setTimeout(resolve, WORKER_CLAIM_INTERVAL_MS))]);
  }
  if (!sw.controller) throw new Error("the Service Worker does not take this page; reload it");
}

// --- Bootstrap ---

async function bootstrap() {
  const status = $("peer");
  status.textContent = "connecting…";
  status.classList.remove("bad");
  try {
    const c = new LightClient({ url: location.origin, identity });
    const answer = await c.exchangePeers();
    client = c;
    origin = { url: location.origin, peer: answer.peer };
    for (const r of answer.sample) {
      const url = webUrlOf(r);
      if (url) reachable.set(String(r.peerId), url);
    }
    status.textContent = `peer ${shortPeer(answer.peer)} · ${answer.sample.length} others known, ${
      reachable.size} on the web`;
    status.title = `${answer.peer} at ${location.origin}; you are ${c.peerId}`;
    $("go").disabled = false;
    return true;
  } catch (e) {
    status.textContent = "no peer connected";
    status.title = String(e?.message ?? e);
    status.classList.add("bad");
    now.error = `no peer connected: ${e?.message ?? e}`;
    setTimeout(() => bootstrap().then((ok) => ok && route()), 5000);
    return false;
  }
}

// --- Search ---

$("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = $("q").value.trim();
  if (q) search(q);
});

let searchGeneration = 0;

async function search(q) {
  if (!client) return;
  const mine = ++searchGeneration;
  const list = $("results");
  const status = $("search-status");
  list.replaceChildren();
  hits.clear();
  status.textContent = "searching…";
  /** @type {Map<string, HTMLLIElement>} */
  const items = new Map();
  try {
    const found = await client.search(q, (hit) => {
      if (mine !== searchGeneration) return;
      hits.set(hit.id, hit);
      let li = items.get(hit.id);
      if (!li) {
        li = document.createElement("li");
        li.tabIndex = 0;
        li.addEventListener("click", () => (location.hash = playHash(hit.id)));
        li.addEventListener("keydown", (e) => e.key === "Enter" && (location.hash = playHash(hit.id)));
        items.set(hit.id, li);
        list.append(li);
      }
      renderHit(li, hit);
    });
    if (mine === searchGeneration) {
      status.textContent = found.length === 0 ? "nothing found" : `${found.length} tracks`;
    }
  } catch (e) {
    if (mine === searchGeneration) status.textContent = `search failed: ${e?.message ?? e}`;
  }
}

function renderHit(li, hit) {
  const m = hit.metadata;
  const left = document.createElement("div");
  const title = document.createElement("div");
  title.className = "title";
  title.textContent = m?.title || hit.id.slice(0, 12);
  const artist = document.createElement("div");
  artist.className = "muted";
  artist.textContent = [m?.artist, m?.album].filter(Boolean).join(" — ");
  left.append(title, artist);
  const right = document.createElement("div");
  right.className = "right muted";
  const web = hit.sources.filter((s) => webUrlOf(s)).length;
  right.textContent = `${formatDuration(Number(m?.durationMs ?? NaN))} · ${hit.sources.length} source${
    hit.sources.length === 1 ? "" : "s"}${web < hit.sources.length ? ` (${web} web)` : ""}`;
  li.replaceChildren(left, right);
}

// --- Playing ---

async function play(id) {
  const generation = ++now.generation;
  now.session?.close();
  Object.assign(now, {
    session: null, playable: null, id, started: false, playing: false, waitingEvents: 0,
    firstPlayingMs: null,
    error: null, stats: null, events: [],
  });
  audio.pause();
  audio.removeAttribute("src");
  audio.load();
  $("player").hidden = false;
  $("swarm").hidden = false;
  const hit = hits.get(id);
  showTrack(hit?.metadata, id);
  setPlayerStatus("opening the swarm…");
  try {
    if (!client || !origin) throw new Error("no peer connected");
    let metadata = hit?.metadata;
    let size = hit?.size;
    if (!metadata) {
      try {
        const { manifest } = await client.getManifest(id);
        metadata = manifest.metadata;
        size = manifest.size;
        showTrack(metadata, id);
      } catch {
        // The origin may not hold the track; the sources' manifests still check the chunks.
      }
    }
    // A track opened by its ID alone: every peer the origin told of that a page can reach is a
    // candidate; those that do not hold it drop out when they refuse the stream.
    const sources = hit
      ? sourcesFor(hit.sources, origin)
      : [origin, ...[...reachable].map(([peer, url]) => ({ url, peer: PeerId.parse(peer) }))];
    const session = await SwarmSession.open({
      trackId: id,
      sources,
      identity,
      maxSources: MAX_SOURCES,
      // Chunks are due at the track's own rate: what plays in the next minute is fetched first.
      ...(size > 0 && Number(metadata?.durationMs ?? 0) > 0
        ? { byteRate: Math.max(1000, Math.round((size * 1000) / Number(metadata.durationMs))) }
        : {}),
      onEvent: (e) => generation === now.generation && onSessionEvent(e),
    });
    if (generation !== now.generation) return session.close();
    now.session = session;
    const head = metadata?.mediaType || metadata?.codec ? undefined : await session.read(0, 16);
    now.playable = {
      size: session.size,
      contentType: mediaTypeOf(metadata, head),
      read: (offset, length) => session.read(offset, length),
    };
    setPlayerStatus("waiting for the Service Worker…");
    await workerReady;
    if (generation !== now.generation) return;
    audio.src = `/stream/${id}`;
    setPlayerStatus("");
    await audio.play().catch((e) => {
      if (e?.name === "NotAllowedError") setPlayerStatus("press play to start");
      else throw e;
    });
  } catch (e) {
    if (generation !== now.generation) return;
    now.error = String(e?.message ?? e);
    setPlayerStatus(`cannot play: ${now.error}`);
  }
}

function showTrack(metadata, id) {
  $("now-title").textContent = metadata?.title || id;
  $("now-artist").textContent = [metadata?.artist, metadata?.album].filter(Boolean).join(" — ");
}

function setPlayerStatus(text) {
  $("player-status").textContent = text;
}

function onSessionEvent(e) {
  const time = new Date().toLocaleTimeString();
  if (e.type === "source-added") now.events.unshift(`${time} + ${shortPeer(e.peer)} joined`);
  else if (e.type === "source-dropped") {
    now.events.unshift(`${time} − ${shortPeer(e.peer)} left${e.reason ? `: ${e.reason}` : ""}`);
  } else if (e.type === "complete") now.events.unshift(`${time} ✓ every chunk verified`);
  now.events.length = Math.min(now.events.length, EVENTS_SHOWN);
}

audio.addEventListener("playing", () => {
  if (!now.started) now.firstPlayingMs = Math.round(performance.now());
  now.started = true;
  now.playing = true;
});
audio.addEventListener("waiting", () => {
  if (now.started) now.waitingEvents++;
  now.playing = false;
});
audio.addEventListener("pause", () => (now.playing = false));
audio.addEventListener("ended", () => (now.playing = false));
audio.addEventListener("error", () => {
  if (audio.getAttribute("src")) now.error = `audio: ${audio.error?.message || `error ${audio.error?.code}`}`;
});
audio.addEventListener("seeking", () => {
  const size = now.playable?.size ?? 0;
  if (now.session && audio.duration > 0 && size > 0) {
    now.session.seek(Math.floor((audio.currentTime / audio.duration) * size));
  }
});

// --- The swarm view ---

setInterval(renderSwarm, VIEW_INTERVAL_MS);

function renderSwarm() {
  const session = now.session;
  if (!session) return;
  const stats = session.stats();
  now.stats = stats;
  const size = session.size;
  const pct = size > 0 ? Math.floor((stats.bytesVerified / size) * 100) : 100;
  $("verified").textContent = `${formatBytes(stats.bytesVerified)} of ${formatBytes(size)} verified (${pct}%)${
    stats.complete ? " · complete" : ""} · ${session.chunkCount} chunks`;
  drawChunks(stats.chunkStates, playheadChunk(audio.currentTime, audio.duration, size, CHUNK_SIZE));
  const rows = stats.sources.map((s) => {
    const tr = document.createElement("tr");
    tr.className = s.state;
    const cells = [
      shortPeer(s.peer),
      s.state,
      s.state === "active" ? formatRate(s.rateBps) : "",
      s.rttMs >= 0 ? `${Math.round(s.rttMs)} ms` : "–",
      String(s.chunks),
    ];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    tr.cells[0].className = "peer";
    tr.cells[0].title = `${s.peer} at ${s.url}`;
    if (s.reason) {
      const why = document.createElement("span");
      why.className = "reason";
      why.textContent = s.reason;
      tr.cells[1].append(why);
    }
    return tr;
  });
  $("sources").tBodies[0].replaceChildren(...rows);
  $("events").replaceChildren(...now.events.map((text) => {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }));
}

function drawChunks(states, playhead) {
  const canvas = $("chunks");
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth || 360;
  const columns = Math.max(8, Math.min(64, Math.floor(cssWidth / 6)));
  const model = chunkMapModel(states, { columns, maxRows: 8, playhead });
  const cell = cssWidth / model.columns;
  const cssHeight = Math.max(1, model.rows) * cell;
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.round(cssWidth * ratio);
  canvas.height = Math.round(cssHeight * ratio);
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  const style = getComputedStyle(document.documentElement);
  const colors = {
    [MISSING]: style.getPropertyValue("--missing"),
    [FETCHING]: style.getPropertyValue("--fetching"),
    [VERIFIED]: style.getPropertyValue("--verified"),
    [PARTIAL]: style.getPropertyValue("--partial"),
  };
  for (let i = 0; i < model.cells.length; i++) {
    const x = (i % model.columns) * cell;
    const y = Math.floor(i / model.columns) * cell;
    ctx.fillStyle = colors[model.cells[i]];
    ctx.fillRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
  }
  if (model.playheadCell >= 0) {
    const x = (model.playheadCell % model.columns) * cell;
    const y = Math.floor(model.playheadCell / model.columns) * cell;
    ctx.strokeStyle = style.getPropertyValue("--fg");
    ctx.lineWidth = 2;
    ctx.strokeRect(x + 1, y + 1, cell - 2, cell - 2);
  }
}

// --- Routes and test hooks ---

function route() {
  const r = parseRoute(location.hash);
  if (r.q && $("q").value !== r.q) {
    $("q").value = r.q;
    search(r.q);
  }
  if (r.play && (r.play !== now.id || !now.session)) play(r.play);
}

window.addEventListener("hashchange", route);

/** Read by the browser tests. */
Object.assign(window, {
  loudp2pTest: {
    state() {
      const stats = now.session?.stats() ?? now.stats;
      return {
        playing: now.playing,
        waitingEvents: now.waitingEvents,
        firstPlayingMs: now.firstPlayingMs,
        currentTime: audio.currentTime,
        duration: Number.isFinite(audio.duration) ? audio.duration : null,
        error: now.error,
        // Where the page stands when it does not play: its status line, the element's states
        // (HTMLMediaElement readyState 0-4, networkState 0-3), and whether the worker controls it.
        status: $("player-status").textContent,
        readyState: audio.readyState,
        networkState: audio.networkState,
        controlled: Boolean(navigator.serviceWorker?.controller),
        sources: (stats?.sources ?? []).map((s) => ({
          peer: String(s.peer), url: s.url, state: s.state, reason: s.reason ?? null,
          bytes: s.bytes, chunks: s.chunks,
        })),
        complete: stats?.complete ?? false,
      };
    },
    digest() {
      return now.session ? now.session.digest() : Promise.reject(new Error("nothing plays"));
    },
  },
});

bootstrap().then((ok) => {
  if (ok) route();
  else if (parseRoute(location.hash).play) {
    $("player").hidden = false;
    setPlayerStatus("no peer connected");
  }
});
