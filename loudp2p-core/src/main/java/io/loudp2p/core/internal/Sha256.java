package io.loudp2p.core.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 digests, which every Java platform provides. */
public final class Sha256 {
  private Sha256() {}

  /** A new SHA-256 digest (not thread-safe; keep one per thread on hot paths). */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
