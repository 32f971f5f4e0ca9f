package io.loudp2p.spi;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a source announces for one data session, inside its signed answer to the stream
 * initiation: where the receiver reaches the session, and the source's ephemeral public key for
 * the session keys (empty for transports without their own encryption).
 *
 * <p>Immutable: the key is copied in and out.
 */
public final class DataOffer {
  private final InetSocketAddress endpoint;
  private final byte[] publicKey;

  /**
   * @param endpoint where the receiver opens the session
   * @param publicKey the source's ephemeral public key, or an empty array
   */
  public DataOffer(InetSocketAddress endpoint, byte[] publicKey) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.publicKey = publicKey.clone();
  }

  /** Where the receiver opens the session. */
  public InetSocketAddress endpoint() {
    return endpoint;
  }

  /** The source's ephemeral public key (a copy), empty when the transport uses none. */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataOffer other && endpoint.equals(other.endpoint)
        && Arrays.equals(publicKey, other.publicKey);
  }

  @Override
  public int hashCode() {
    return 31 * endpoint.hashCode() + Arrays.hashCode(publicKey);
  }

  @Override
  public String toString() {
    return "DataOffer{" + endpoint + ", key=" + publicKey.length + " bytes}";
  }
}
