package io.loudp2p.core.wire;

/**
 * Why a received envelope was dropped. Each reason is documented in PROTOCOL.md ("Rejection
 * rules") and counted separately by {@link EnvelopeOpener#rejections(RejectReason)}.
 */
public enum RejectReason {
  /** The envelope is larger than the configured limit; nothing in it was read. */
  TOO_LARGE,
  /** The bytes are not a well-formed {@code Envelope} message. */
  MALFORMED_ENVELOPE,
  /** The signer's public key is not a 33-byte compressed point on secp256k1. */
  BAD_PUBLIC_KEY,
  /** The signature is malformed, high-S, or does not verify over the payload. */
  BAD_SIGNATURE,
  /** The signed payload is not a well-formed message, or a field has the wrong length. */
  MALFORMED_PAYLOAD,
  /** The payload names a sender whose peer ID is not the one derived from the signing key. */
  SENDER_MISMATCH,
  /** The payload carries no message body this version knows. */
  MISSING_BODY,
  /** The body is not the one the method the request was sent to carries. */
  WRONG_METHOD,
  /** The timestamp is older than the allowed clock skew, or the record has expired. */
  STALE,
  /** The timestamp is further in the future than the allowed clock skew. */
  FROM_FUTURE,
  /** The same sender and nonce were seen before within the replay window. */
  REPLAYED
}
