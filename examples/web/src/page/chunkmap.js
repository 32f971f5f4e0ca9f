// The model of the swarm view's chunk map: a track's chunks folded into at most so many cells,
// each cell the state of the chunks it covers, and the cell of the playhead.

export const MISSING = 0;
export const FETCHING = 1;
export const VERIFIED = 2;
/** A cell whose chunks are partly verified, none fetching. */
export const PARTIAL = 3;

/**
 * @param {Uint8Array} states one per chunk: 0 missing, 1 fetching, 2 verified
 * @param {number} maxCells the most cells drawn
 * @returns {Uint8Array} one state per cell: VERIFIED when all its chunks are, FETCHING when any
 *   is being fetched, PARTIAL when some are verified, else MISSING
 */
export function foldChunks(states, maxCells) {
  const n = states.length;
  const cells = Math.min(n, Math.max(1, maxCells));
  const out = new Uint8Array(n === 0 ? 0 : cells);
  for (let c = 0; c < out.length; c++) {
    const [from, to] = cellSpan(c, n, cells);
    let verified = 0;
    let fetching = false;
    for (let i = from; i < to; i++) {
      if (states[i] === VERIFIED) verified++;
      else if (states[i] === FETCHING) fetching = true;
    }
    out[c] = verified === to - from ? VERIFIED : fetching ? FETCHING : verified > 0 ? PARTIAL : MISSING;
  }
  return out;
}

/**
 * The chunks `[from, to)` that cell `c` of `cells` covers, of `n` chunks.
 * @returns {[number, number]}
 */
export function cellSpan(c, n, cells) {
  return [Math.floor((c * n) / cells), Math.floor(((c + 1) * n) / cells)];
}

/**
 * The cell holding chunk `index`, of `n` chunks in `cells` cells; -1 for none.
 */
export function cellOf(index, n, cells) {
  if (!(index >= 0 && index < n)) return -1;
  const k = Math.min(n, Math.max(1, cells));
  let c = Math.floor((index * k) / n);
  // Floors can land one cell off; step to the cell whose span holds the chunk.
  while (c > 0 && cellSpan(c, n, k)[0] > index) c--;
  while (c < k - 1 && cellSpan(c, n, k)[1] <= index) c++;
  return c;
}

/**
 * The chunk the playhead is in, by the share of the track played (exact for constant bit rates,
 * close for others); -1 before anything is known.
 * @param {number} currentTime seconds
 * @param {number} duration seconds
 * @param {number} size bytes
 * @param {number} chunkSize bytes
 */
export function playheadChunk(currentTime, duration, size, chunkSize) {
  if (!(duration > 0) || !(size > 0) || !Number.isFinite(duration)) return -1;
  const offset = Math.min(size - 1, Math.max(0, Math.floor((currentTime / duration) * size)));
  return Math.floor(offset / chunkSize);
}

/**
 * The whole drawing model: rows of cells to draw, and where the playhead is.
 * @param {Uint8Array} states
 * @param {{columns: number, maxRows: number, playhead: number}} layout `playhead` a chunk index
 *   or -1
 * @returns {{cells: Uint8Array, columns: number, rows: number, playheadCell: number}}
 */
export function chunkMapModel(states, { columns, maxRows, playhead }) {
  const cells = foldChunks(states, columns * maxRows);
  const cols = Math.max(1, Math.min(columns, cells.length));
  return {
    cells,
    columns: cols,
    rows: Math.ceil(cells.length / cols),
    playheadCell: cellOf(playhead, states.length, cells.length),
  };
}
