// The two ends of the channel between the player page and its Service Worker. The worker answers
// the <audio> element's requests for `/stream/TRACKID` but holds no session: it asks the page,
// one message per question, each with a MessagePort of its own for the one answer.
//
//   worker -> page  {type: "loudp2p-info", trackId}                  -> {ok, size, contentType}
//   worker -> page  {type: "loudp2p-read", trackId, offset, length}  -> {ok, bytes}
//   any failure                                                      -> {ok: false, error}
//
// and one the other way, with no answer but the page coming under the worker's control:
//
//   page -> worker  {type: "loudp2p-claim"}

export const INFO = "loudp2p-info";
export const READ = "loudp2p-read";
export const CLAIM = "loudp2p-claim";

/**
 * What the page plays: a track's size, its media type, and verified bytes.
 * @typedef {object} Playable
 * @property {number} size
 * @property {string} contentType
 * @property {(offset: number, length: number) => Promise<Uint8Array>} read
 */

/**
 * The page's end: answers one question of the worker on `port`.
 * @param {(trackId: string) => Playable | undefined} lookup the track the page plays under that ID
 * @returns {(data: any, port: MessagePort | undefined) => Promise<void>} for the message events
 *   of `navigator.serviceWorker` (`event.data`, `event.ports[0]`); messages of other types are
 *   left alone
 */
export function pageResponder(lookup) {
  return async (data, port) => {
    if (!port || !data || (data.type !== INFO && data.type !== READ)) return;
    try {
      const track = lookup(String(data.trackId));
      if (!track) throw new Error(`this page plays no track ${data.trackId}`);
      if (data.type === INFO) {
        port.postMessage({ ok: true, size: track.size, contentType: track.contentType });
        return;
      }
      const bytes = await track.read(Number(data.offset), Number(data.length));
      const copy = Uint8Array.from(bytes); // its own buffer, moved rather than copied again
      port.postMessage({ ok: true, bytes: copy }, [copy.buffer]);
    } catch (e) {
      port.postMessage({ ok: false, error: String(e?.message ?? e) });
    }
  };
}

/**
 * The worker's end: asks `target` (a window client) one question and waits for its answer.
 * @param {{postMessage: (message: any, transfer: Transferable[]) => void}} target
 * @param {object} question
 * @param {number} [timeoutMs]
 * @returns {Promise<any>} the answer, its `ok` true
 * @throws {Error} the page's error, or a timeout
 */
export function askPage(target, question, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => {
      channel.port1.close();
      reject(new Error(`the page did not answer ${question.type} in ${timeoutMs} ms`));
    }, timeoutMs);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      channel.port1.close();
      const answer = event.data;
      if (answer?.ok) resolve(answer);
      else reject(new Error(answer?.error ?? "no answer"));
    };
    target.postMessage(question, [channel.port2]);
  });
}
