// The sources of a swarm session over their lives: the candidates not tried yet, a session
// opened at the next one, every source tried (dropped ones too), a source dropped for good (a
// stall, a lie, a failed call, another track size) and replaced from the candidates up to
// `maxSources`, and what the stats say of each. The session schedules the batches; the pool
// tells it, through a small host interface, when to pump, when to look for hopeless reads and
// which source's batches to abort.
import { LightClient } from "./client.js";
import { Source } from "./swarm-source.js";

/**
 * A full peer not tried yet: its gRPC-Web address and the client that talks to it.
 * @typedef {{url: string, client: LightClient}} Candidate
 */

/**
 * What a pool asks of its session.
 * @typedef {object} PoolHost
 * @property {() => boolean} closed whether the session was closed
 * @property {() => boolean} failed whether the session failed for good
 * @property {() => boolean} complete whether every chunk is verified
 * @property {(s: Source, why: string) => void} abortBatches stops the batches running at `s`;
 *   their chunks go back to the queue
 * @property {() => void} pump gives the active sources work
 * @property {() => void} checkHopeless fails what can no longer be had (or opens a candidate)
 * @property {(event: {type: string, [key: string]: any}) => void} emit tells the listener
 */

/**
 * The sources of one session: the candidates, the sources tried, opening and dropping them.
 */
export class SourcePool {
  /**
   * One candidate for each of `options.sources`, in the order given.
   * @param {import("./swarm-options.js").SwarmOptions} options
   * @param {import("./swarm-options.js").SwarmSettings} settings
   * @returns {Candidate[]}
   */
  static candidates(options, settings) {
    return options.sources.map((s) => ({
      url: s.url,
      client: new LightClient({
        url: s.url,
        identity: options.identity,
        peer: s.peer,
        now: options.now,
        fetch: options.fetch,
        text: options.text,
        deadlineMs: settings.openDeadlineMs,
      }),
    }));
  }

  #trackId;
  #manifest;
  /** @type {Candidate[]} not tried yet */ #candidates;
  /** @type {Source[]} every source tried, dropped ones too */ #sources = [];
  #opening = 0;
  #o;
  /** @type {PoolHost} */ #host;

  /**
   * @param {Uint8Array} trackId the track's ID, which the opens name
   * @param {import("./merkle.js").VerifiedManifest} manifest the manifest the session checks
   *   chunks against (its size and chunk count)
   * @param {Candidate[]} candidates most preferred first; the pool takes them from the front
   * @param {import("./swarm-options.js").SwarmSettings} settings
   * @param {PoolHost} host the session
   */
  constructor(trackId, manifest, candidates, settings, host) {
    this.#trackId = trackId;
    this.#manifest = manifest;
    this.#candidates = candidates;
    this.#o = settings;
    this.#host = host;
  }

  /** @returns {readonly Source[]} every source tried, dropped ones too, in the order tried */
  get sources() {
    return this.#sources;
  }

  /** @returns {Source[]} the sources streamed from now */
  active() {
    return this.#sources.filter((s) => s.state === "active");
  }

  /** @returns {number} opens still running */
  get opening() {
    return this.#opening;
  }

  /** @returns {number} candidates not tried yet */
  get candidatesLeft() {
    return this.#candidates.length;
  }

  /** @returns {import("./swarm-source.js").SourceStats[]} each source tried, as stats reports it */
  stats() {
    return this.#sources.map((s) => ({
      peer: s.client.peer ? String(s.client.peer) : "",
      url: s.url,
      state: s.state,
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
      bytes: s.bytes,
      chunks: s.chunks,
      rateBps: Math.round(s.rateBps),
      rttMs: Math.round(s.rttMs),
      inFlight: s.batches.size,
    }));
  }

  /**
   * Opens sessions at candidates up to `maxSources`. Resolves once one source is open, or once
   * every open failed and the opens that replaced them ended too (or the session failed).
   */
  async openFirst() {
    const opened = this.#fill();
    await new Promise((resolve) => {
      let left = opened.length;
      if (left === 0) resolve();
      for (const p of opened) {
        p.then((ok) => {
          left--;
          if (ok || left === 0) resolve();
        });
      }
    });
    // Failed opens took the next candidates themselves; wait for those as well.
    while (!this.#sources.some((s) => s.state === "active") && this.#opening > 0
        && !this.#host.failed()) {
      await new Promise((r) => setTimeout(r, this.#o.tickMs));
    }
  }

  /**
   * Lists a candidate that gave no manifest as a source dropped for it.
   * @param {Candidate} c
   * @param {Error} e what its manifest call failed with
   */
  refusedAtManifest(c, e) {
    const s = new Source(c.url, c.client, this.#o.initialBatch);
    this.#sources.push(s);
    s.state = "dropped";
    s.reason = `MANIFEST: ${e.message}`;
    this.#host.emit({ type: "source-dropped", peer: s.peerText, url: s.url, reason: s.reason });
  }

  /**
   * Opens a session at the next candidate (there must be one); once open, the session pumps.
   * @returns {Promise<boolean>} whether it opened
   */
  async openNext() {
    const c = this.#candidates.shift();
    const s = new Source(c.url, c.client, this.#o.initialBatch);
    this.#sources.push(s);
    this.#opening++;
    try {
      const opened = await c.client.openStream(this.#trackId, {
        chunkCount: this.#manifest.chunkCount,
        deadlineMs: this.#o.openDeadlineMs,
      });
      this.#opening--;
      if (this.#host.closed() || this.#host.failed()) return false;
      const size = this.#manifest.size;
      if (opened.size !== 0 && opened.size !== size) {
        this.drop(s, `SIZE_MISMATCH: it states ${opened.size} bytes, the manifest ${size}`);
        return false;
      }
      s.stream = opened;
      s.state = this.#host.complete() ? "done" : "active";
      this.#host.emit({ type: "source-added", peer: s.peerText, url: s.url });
      this.#host.pump();
      this.#host.checkHopeless();
      return true;
    } catch (e) {
      this.#opening--;
      if (this.#host.closed()) return false;
      this.drop(s, `OPEN: ${e.message}`);
      return false;
    }
  }

  /**
   * Opens a new session at a source whose session ended there (it forgot it), keeping what was
   * measured of it; it is dropped when the new open fails, and is reopened at most once until a
   * batch of the new session succeeds.
   * @param {Source} s
   */
  async reopen(s) {
    if (s.state !== "active") return;
    s.state = "opening";
    s.reopened = true;
    this.#opening++;
    try {
      const opened = await s.client.openStream(this.#trackId, {
        chunkCount: this.#manifest.chunkCount,
        deadlineMs: this.#o.openDeadlineMs,
      });
      this.#opening--;
      if (this.#host.closed() || this.#host.failed() || s.state !== "opening") return;
      const size = this.#manifest.size;
      if (opened.size !== 0 && opened.size !== size) {
        s.state = "active";
        this.drop(s, `SIZE_MISMATCH: it states ${opened.size} bytes, the manifest ${size}`);
        return;
      }
      s.stream = opened;
      s.unavailable.clear();
      s.state = this.#host.complete() ? "done" : "active";
      this.#host.pump();
    } catch (e) {
      this.#opening--;
      if (this.#host.closed() || s.state !== "opening") return;
      s.state = "active";
      this.drop(s, `OPEN: ${e.message}`);
    }
  }

  /**
   * Drops a source for good: its batches are aborted (their chunks go back to the queue) and
   * candidates are opened in its place up to `maxSources`.
   * @param {Source} s
   * @param {string} reason why, starting with a rule or status name
   */
  drop(s, reason) {
    if (s.state === "dropped") return;
    s.state = "dropped";
    s.reason = reason;
    this.#host.abortBatches(s, "its source was dropped");
    this.#host.emit({ type: "source-dropped", peer: s.peerText, url: s.url, reason });
    if (this.#host.closed() || this.#host.complete()) return;
    this.#fill();
    this.#host.pump();
    this.#host.checkHopeless();
  }

  /** Drops every active source with batches running that sent no data for `stallMs`. */
  dropStalled() {
    const now = this.#o.now();
    for (const s of this.#sources) {
      if (s.state === "active" && s.batches.size > 0 && now - s.lastDataAt > this.#o.stallMs) {
        this.drop(s, `STALLED: no data for ${now - s.lastDataAt} ms with chunks due`);
      }
    }
  }

  /**
   * Opens candidates while fewer than `maxSources` are active or opening.
   * @returns {Promise<boolean>[]} the opens started, each whether it opened
   */
  #fill() {
    const opened = [];
    while (this.#activeOrOpening() < this.#o.maxSources && this.#candidates.length > 0) {
      opened.push(this.openNext());
    }
    return opened;
  }

  #activeOrOpening() {
    return this.#sources.filter((s) => s.state === "active").length + this.#opening;
  }
}
