package io.loudp2p.spi;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * What a transport that encrypts and authenticates its connections presents of its peer: a TLS
 * certificate bound to the peer's ID (PROTOCOL.md, section 9) and its private key. The pair may
 * change over the peer's life (the certificate is rotated): a transport asks for it at each
 * handshake, and connections already made keep theirs.
 *
 * <p>Thread-safe.
 */
@FunctionalInterface
public interface PeerCredentials {
  /** A certificate and the private key of the public key it certifies. */
  record CertifiedKey(X509Certificate certificate, PrivateKey key) {
    /** Checks the parts. */
    public CertifiedKey {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(key, "key");
    }
  }

  /** The certificate and key to present now. */
  CertifiedKey current();
}
