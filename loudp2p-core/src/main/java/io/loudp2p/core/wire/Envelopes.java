package io.loudp2p.core.wire;

import java.nio.charset.StandardCharsets;

/** Constants of the envelope format shared by sealing and opening; see PROTOCOL.md. */
public final class Envelopes {
  /** Prefixed to the payload of a direct message before hashing and signing. */
  public static final String MESSAGE_DOMAIN = "loudp2p/v1/message\n";

  /** Prefixed to the payload of a peer record before hashing and signing. */
  public static final String PEER_RECORD_DOMAIN = "loudp2p/v1/peer-record\n";

  /** Length of the random nonce of a direct message. */
  public static final int NONCE_LENGTH = 16;

  static final byte[] MESSAGE_DOMAIN_BYTES = MESSAGE_DOMAIN.getBytes(StandardCharsets.US_ASCII);
  static final byte[] PEER_RECORD_DOMAIN_BYTES =
      PEER_RECORD_DOMAIN.getBytes(StandardCharsets.US_ASCII);

  private Envelopes() {}
}
