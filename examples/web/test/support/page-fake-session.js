// A stand-in for src/session.js in the browser test's build of the page: a swarm of three fake
// sources that "verify" a generated WAV track chunk by chunk, with the SwarmSession API the page
// codes against. It also reports the page's test hooks to the test server every 200 ms, and
// seeks once when the test asks (POST /report answers {seekTo}).
import { testWav } from "./wav.js";

const CHUNK = 16_384;
const CHUNKS_PER_TICK = 2;

export class SwarmSession {
  static async open({ trackId, sources, onEvent = () => {} }) {
    return new SwarmSession(trackId, sources, onEvent);
  }

  constructor(trackId, sources, onEvent) {
    this.bytes = testWav();
    this.size = this.bytes.length;
    this.chunkCount = Math.ceil(this.size / CHUNK);
    this.states = new Uint8Array(this.chunkCount);
    this.next = 0;
    this.onEvent = onEvent;
    this.sources = ["LfakeA1111111111111111111111111111", "LfakeB2222222222222222222222222222",
      "LfakeC3333333333333333333333333333"].map((peer, i) => ({
      peer, url: sources[i]?.url ?? `http://10.0.0.${i + 1}:8080`, state: "active", bytes: 0, chunks: 0,
      rateBps: 0, rttMs: 20 + i * 15, inFlight: 0,
    }));
    for (const s of this.sources) onEvent({ type: "source-added", peer: s.peer, url: s.url });
    this.waiters = [];
    this.timer = setInterval(() => this.tick(), 50);
    this.report = setInterval(() => this.sendReport(), 200);
  }

  tick() {
    for (let k = 0; k < CHUNKS_PER_TICK; k++) {
      let i = this.states.findIndex((st, j) => j >= this.next && st !== 2);
      if (i < 0) i = this.states.findIndex((st) => st !== 2);
      if (i < 0) break;
      this.states[i] = 2;
      this.next = i + 1;
      const s = this.sources[i % 3];
      s.chunks++;
      s.bytes += CHUNK;
      s.rateBps = 300_000;
      this.onEvent({ type: "chunk", index: i });
    }
    if (this.states.every((st) => st === 2) && !this.done) {
      this.done = true;
      for (const s of this.sources) s.state = "done";
      this.onEvent({ type: "complete" });
    }
    if (this.states[this.next] === 0) this.states[this.next] = 1; // shown as being fetched
    this.waiters = this.waiters.filter((w) => !w());
  }

  async read(offset, length) {
    const end = Math.min(this.size, offset + length);
    this.next = Math.floor(offset / CHUNK);
    const ready = () => {
      for (let i = Math.floor(offset / CHUNK); i * CHUNK < end; i++) if (this.states[i] !== 2) return false;
      return true;
    };
    if (!ready()) await new Promise((resolve) => this.waiters.push(() => ready() && (resolve(), true)));
    return this.bytes.slice(offset, end);
  }

  seek(offset) {
    this.next = Math.floor(offset / CHUNK);
  }

  stats() {
    const verified = this.states.reduce((n, s) => n + (s === 2 ? 1 : 0), 0);
    return {
      sources: this.sources.map((s) => ({ ...s })),
      chunkStates: Uint8Array.from(this.states),
      bytesVerified: Math.min(this.size, verified * CHUNK),
      complete: verified === this.chunkCount,
    };
  }

  async digest() {
    const d = new Uint8Array(await crypto.subtle.digest("SHA-256", this.bytes));
    return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  close() {
    clearInterval(this.timer);
    clearInterval(this.report);
  }

  async sendReport() {
    const hooks = globalThis.loudp2pTest;
    if (!hooks) return;
    const state = hooks.state();
    const body = { state, digest: state.complete ? await hooks.digest() : null };
    const answer = await (await fetch("/report", { method: "POST", body: JSON.stringify(body) })).json();
    if (answer.seekTo != null && !this.seeked) {
      this.seeked = true;
      document.getElementById("audio").currentTime = answer.seekTo;
    }
  }
}
