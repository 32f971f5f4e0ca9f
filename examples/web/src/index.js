// loudp2p's light client for browser pages (and Node 20): identity, signed envelopes, gRPC-Web
// calls to a full peer, manifests checked against track IDs, tracks streamed in verified chunks.
export { LightClient, AnswerError, formatIp, MAX_STREAM_OPEN_BYTES } from "./client.js";
export {
  fetchChunkBatch,
  SourceError,
  MAX_BATCH_WANTS,
  MAX_FRAME_DATA,
  SESSION_ID_LENGTH,
} from "./stream.js";
export {
  SwarmSession,
  SessionError,
  MISSING,
  FETCHING,
  VERIFIED,
  MAX_SESSION_CALLS,
} from "./session.js";
export {
  Identity,
  PeerId,
  loadOrCreateIdentity,
  isValidPublicKey,
  verifyDigest,
  hash160WithVersion,
  STORAGE_KEY,
} from "./identity.js";
export {
  EnvelopeSealer,
  EnvelopeOpener,
  EnvelopeError,
  RejectReason,
  ReplayGuard,
  METHOD_BODIES,
  MESSAGE_DOMAIN,
  PEER_RECORD_DOMAIN,
  signedDigest,
} from "./envelope.js";
export {
  callUnary,
  callStreaming,
  encodeFrame,
  FrameParser,
  Base64Runs,
  parseTrailer,
  percentDecode,
  GrpcWebError,
  Status,
} from "./grpcweb.js";
export {
  CHUNK_SIZE,
  leafHash,
  nodeHash,
  merkleRoot,
  trackIdOf,
  VerifiedManifest,
  ManifestError,
} from "./merkle.js";
export * as base58 from "./base58.js";
export * as wire from "./gen/loudp2p/v1/wire_pb.js";
