package io.loudp2p.spi;

/**
 * Why a control-plane request failed, as a responder reports it and a caller sees it.
 *
 * <p>The set is small on purpose: each code tells the caller what to do next (give up, retry
 * elsewhere, back off), not the details of what went wrong.
 */
public enum ControlErrorCode {
  /** The request bytes could not be parsed or failed validation; retrying will not help. */
  MALFORMED,
  /** The envelope's signature, signer or freshness did not check out. */
  UNAUTHENTICATED,
  /** The responder is overloaded or the caller exceeded a quota; back off and retry later. */
  RESOURCE_EXHAUSTED,
  /** The responder does not know the track (or other object) the request names. */
  NOT_FOUND,
  /** The peer could not be reached, went away, or the transport was closed. */
  UNAVAILABLE,
  /** The responder failed in a way that is its own fault. */
  INTERNAL
}
