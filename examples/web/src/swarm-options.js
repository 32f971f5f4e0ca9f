// The options a swarm session is opened with, and the settings it runs by: every option that
// was left out given its default (how many sources, the playback rate, batch sizes, when to
// hedge, when a source stalls, the calls' deadlines).

/**
 * Options of {@link import("./session.js").SwarmSession.open}.
 * @typedef {object} SwarmOptions
 * @property {Uint8Array | string} trackId 32 bytes or their Base58 text form
 * @property {import("./merkle.js").VerifiedManifest} [manifest] when known; else it is fetched
 *   from the first candidate that gives one that commits to the track
 * @property {Array<{url: string, peer?: string | import("./identity.js").PeerId}>} sources the
 *   candidate full peers, most preferred first: each a gRPC-Web address and the peer expected there
 * @property {import("./identity.js").Identity} identity the page's identity, which signs the opens
 * @property {number} [maxSources] sources streamed from at once (default 3)
 * @property {() => number} [now] the clock, ms since the epoch (envelopes and timings)
 * @property {typeof fetch} [fetch]
 * @property {boolean} [text] use `application/grpc-web-text`
 * @property {(event: {type: string, [key: string]: any}) => void} [onEvent] `source-added`
 *   ({peer, url}), `source-dropped` ({peer, url, reason}), `chunk` ({index, peer, url}),
 *   `complete` ({})
 * @property {number} [byteRate] the playback rate in bytes a second, which gives each chunk its
 *   deadline from the read position (default 40,000: 320 kbit/s)
 * @property {number} [aheadMs] how far past the read position chunks are fetched, in playback
 *   time at `byteRate` (default 60,000: a phone does not spend its data on a track that is
 *   skipped); {@link import("./session.js").SwarmSession#digest} lifts it
 * @property {number} [stallMs] a source with batches running that sends no data for this long
 *   is dropped (default 2,000)
 * @property {number} [callsPerSource] batch calls kept in flight at each source (default 2; a
 *   loudp2p source allows 4)
 * @property {number} [initialBatch] chunks of a source's first batches (default 4)
 * @property {number} [maxBatch] most chunks of one batch (default 16, at most 64)
 * @property {number} [targetBatchMs] how long a batch should take at a source's measured rate;
 *   its batch size follows (default 1,000)
 * @property {number} [hedgeMarginMs] a chunk due within this long that one source has been
 *   fetching for a while is also asked of another (default 3,000)
 * @property {number} [hedgeAfterMs] how long a chunk must have been outstanding at least before
 *   a second source is asked for it (default 500; at least twice the first source's round trip)
 * @property {number} [tickMs] how often stalls and late chunks are looked for (default 100)
 * @property {number} [openDeadlineMs] deadline of the manifest and open calls (default 10 s)
 * @property {number} [batchDeadlineMs] deadline of one batch call (default 30 s)
 */

/**
 * What a session runs by: the tuning options of {@link SwarmOptions}, each one given.
 * @typedef {object} SwarmSettings
 * @property {number} maxSources
 * @property {() => number} now
 * @property {(event: {type: string, [key: string]: any}) => void} onEvent
 * @property {number} byteRate
 * @property {number} aheadMs
 * @property {number} stallMs
 * @property {number} callsPerSource
 * @property {number} initialBatch
 * @property {number} maxBatch
 * @property {number} targetBatchMs
 * @property {number} hedgeMarginMs
 * @property {number} hedgeAfterMs
 * @property {number} tickMs
 * @property {number} openDeadlineMs
 * @property {number} batchDeadlineMs
 */

/**
 * The settings of a session opened with `options`: each tuning option as given, else its
 * default; `maxBatch` at most 64.
 * @param {SwarmOptions} options
 * @returns {SwarmSettings}
 */
export function swarmSettings(options) {
  return {
    maxSources: options.maxSources ?? 3,
    now: options.now ?? Date.now,
    onEvent: options.onEvent ?? (() => {}),
    byteRate: options.byteRate ?? 40_000,
    aheadMs: options.aheadMs ?? 60_000,
    stallMs: options.stallMs ?? 2_000,
    callsPerSource: options.callsPerSource ?? 2,
    initialBatch: options.initialBatch ?? 4,
    maxBatch: Math.min(64, options.maxBatch ?? 16),
    targetBatchMs: options.targetBatchMs ?? 1_000,
    hedgeMarginMs: options.hedgeMarginMs ?? 3_000,
    hedgeAfterMs: options.hedgeAfterMs ?? 500,
    tickMs: options.tickMs ?? 100,
    openDeadlineMs: options.openDeadlineMs ?? 10_000,
    batchDeadlineMs: options.batchDeadlineMs ?? 30_000,
  };
}
