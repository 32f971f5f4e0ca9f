package io.loudp2p.core.content;

/** A manifest was refused; {@link #reason()} says which rule it broke, the message how. */
public final class ManifestException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The rules a manifest must satisfy before anyone uses it. */
  public enum Reason {
    /** The Merkle root of the leaf hashes is not the track ID. */
    ROOT_MISMATCH,
    /** The chunk size is not the protocol's. */
    BAD_CHUNK_SIZE,
    /** The leaf hashes are not a whole number of 32-byte hashes. */
    BAD_LEAF_HASHES,
    /** The number of leaf hashes does not match the size and chunk size. */
    SIZE_MISMATCH,
    /** The track is larger than the limit, or its size is negative. */
    TOO_LARGE,
    /** The track ID is not 32 bytes. */
    BAD_TRACK_ID
  }

  private final Reason reason;

  ManifestException(Reason reason, String detail) {
    super(reason + ": " + detail);
    this.reason = reason;
  }

  /** Which rule was broken. */
  public Reason reason() {
    return reason;
  }
}
