// An in-process peer behind a fetch function, for the client's tests: it opens each request as a
// loudp2p peer does and answers with what a test's handler returns, sealed by its own identity.
import { concat, utf8 } from "../../src/bytes.js";
import { EnvelopeOpener, EnvelopeSealer } from "../../src/envelope.js";
import { PROTO, SERVICE, TRAILER_FLAG, encodeFrame } from "../../src/grpcweb.js";
import { Identity } from "../../src/identity.js";

/**
 * @param {Record<string, (request: import("../../src/envelope.js").SignedMessage) =>
 *   Array<{case: string, value: object} | Uint8Array> | {status: number, message: string}>} handlers
 *   by method: answer bodies to seal (or envelope bytes to send as they are), or a status
 * @returns {{fetch: typeof fetch, identity: Identity, sealer: EnvelopeSealer, requests: Array<{method: string, message: object}>}}
 */
export function fakePeer(handlers, { identity = Identity.generate() } = {}) {
  const sealer = new EnvelopeSealer(identity);
  const opener = new EnvelopeOpener();
  const requests = [];
  const fetch = async (url, init) => {
    const method = new URL(url).pathname.slice(`/${SERVICE}/`.length);
    const body = init.body;
    const request = body.subarray(5);
    let frames;
    try {
      const message = opener.open(request, { method });
      requests.push({ method, message });
      const answer = handlers[method](message);
      if (Array.isArray(answer)) {
        frames = [
          ...answer.map((a) => encodeFrame(a instanceof Uint8Array ? a : sealer.seal(a))),
          trailer(0, ""),
        ];
      } else {
        frames = [trailer(answer.status, answer.message)];
      }
    } catch (e) {
      frames = [trailer(e.reason === "BAD_SIGNATURE" ? 16 : 3, e.message)];
    }
    return new Response(concat(...frames), { status: 200, headers: { "content-type": PROTO } });
  };
  return { fetch, identity, sealer, requests };
}

function trailer(status, message) {
  const text = `grpc-status:${status}\r\n${message ? `grpc-message:${encodeURIComponent(message)}\r\n` : ""}`;
  return encodeFrame(utf8(text), TRAILER_FLAG);
}
