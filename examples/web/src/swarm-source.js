// The full peers a swarm session streams from and the batch calls it runs at them: what the
// session knows of each source (its open stream, its rate, round trip and batch size, what it
// does not have, its calls in flight) and of each FetchChunkBatch call (its wants, the ones not
// answered yet, how to abort it).

/**
 * A source as {@link import("./session.js").SwarmSession#stats} reports it.
 * @typedef {object} SourceStats
 * @property {string} peer its peer ID (text form), or "" when it was given none and never answered
 * @property {string} url its gRPC-Web address
 * @property {"opening" | "active" | "dropped" | "done"} state `opening` while its session is
 *   being opened; `done` once the track is complete
 * @property {string} [reason] why it was dropped (starts with a rule or status name)
 * @property {number} bytes chunk data received from it
 * @property {number} chunks verified chunks it delivered
 * @property {number} rateBps its measured rate, bytes a second (0 until measured)
 * @property {number} rttMs time from a batch call to its `accepted` frame (smoothed; 0 until measured)
 * @property {number} inFlight batch calls running
 */

/** A full peer streamed from. */
export class Source {
  /**
   * @param {string} url its gRPC-Web address
   * @param {import("./client.js").LightClient} client the client that talks to it
   * @param {number} batchSize chunks of its first batches
   */
  constructor(url, client, batchSize) {
    this.url = url;
    /** @type {import("./client.js").LightClient} */
    this.client = client;
    /** @type {"opening" | "active" | "dropped" | "done"} */
    this.state = "opening";
    /** @type {string | undefined} */
    this.reason = undefined;
    /** @type {{sessionId: Uint8Array, handshake: Uint8Array, availability: {has: (i: number) => boolean}} | null} */
    this.stream = null;
    this.bytes = 0;
    this.chunks = 0;
    this.rateBps = 0;
    this.rttMs = 0;
    this.batchSize = batchSize;
    /** @type {Set<Batch>} */
    this.batches = new Set();
    /** Chunks it said it does not have. @type {Set<number>} */
    this.unavailable = new Set();
    this.lastDataAt = 0;
    /** Batch calls started and not yet ended, aborted ones too. */
    this.calls = 0;
    /** RESOURCE_EXHAUSTED answers in a row, and when to ask again after one. */
    this.exhausted = 0;
    this.pausedUntil = 0;
    /** Whether its session was opened anew since its last batch that succeeded. */
    this.reopened = false;
  }

  /** @returns {string} its peer ID (text form), or "" while it is not known */
  get peerText() {
    return this.client.peer ? String(this.client.peer) : "";
  }
}

/** One FetchChunkBatch call. */
export class Batch {
  /**
   * @param {Source} source the source it is made to
   * @param {number[]} want the chunk indexes asked for, in the order asked
   * @param {boolean} hedge whether it asks for a chunk another source is late with
   * @param {number} started when it was started, ms since the epoch
   */
  constructor(source, want, hedge, started) {
    /** @type {Source} */
    this.source = source;
    this.want = want;
    this.hedge = hedge;
    this.started = started;
    /** Wants not answered yet. */
    this.pending = new Set(want);
    this.bytes = 0;
    this.abort = new AbortController();
    /** @type {string | null} */
    this.abortedBy = null;
  }
}
