package io.loudp2p.core.identity;

import io.loudp2p.spi.PeerCredentials;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A peer's TLS credentials ({@link PeerCertificates}): a certificate for a fresh TLS key, made at
 * first use and replaced by one for a new key once {@link #ROTATION} has passed, each valid from an
 * hour before it was made (clocks differ) to an hour after its successor takes over. Connections
 * made keep the certificate they were made with.
 *
 * <p>Thread-safe.
 */
public final class RotatingCredentials implements PeerCredentials {
  /** How long one TLS key is presented before a new one replaces it. */
  public static final Duration ROTATION = Duration.ofHours(24);
  /** The margin on both sides of a certificate's time: clock differences between peers. */
  public static final Duration MARGIN = Duration.ofHours(1);

  private final Identity identity;
  private final Clock clock;
  private final Duration rotation;
  private CertifiedKey current; // guarded by this
  private Instant madeAt = Instant.MIN; // guarded by this
  private long made; // guarded by this

  /** Credentials of {@code identity}, rotated every {@code rotation} of {@code clock}'s time. */
  public RotatingCredentials(Identity identity, Clock clock, Duration rotation) {
    this.identity = Objects.requireNonNull(identity, "identity");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (rotation.isNegative() || rotation.isZero()) {
      throw new IllegalArgumentException("rotation must be positive: " + rotation);
    }
    this.rotation = rotation;
  }

  /** Credentials of {@code identity} on the system clock, rotated every {@link #ROTATION}. */
  public RotatingCredentials(Identity identity) {
    this(identity, Clock.systemUTC(), ROTATION);
  }

  @Override
  public synchronized CertifiedKey current() {
    Instant now = clock.instant();
    if (current == null || !now.isBefore(madeAt.plus(rotation))) {
      PeerCertificates.Issued issued = PeerCertificates.issue(identity, now.minus(MARGIN),
          now.plus(rotation).plus(MARGIN));
      current = new CertifiedKey(issued.certificate(), issued.key());
      madeAt = now;
      made++;
    }
    return current;
  }

  /** How many certificates were made so far. */
  public synchronized long made() {
    return made;
  }
}
