package io.loudp2p.transport.grpc.internal;

import java.time.Duration;

/**
 * What a relay allows (PROTOCOL.md section 10): how many peers may hold a reservation, how many
 * connections each may have relayed at once, and what one connection may carry, for how long and
 * how fast. Each bound is a refusal or an end with a status that names it.
 *
 * @param maxReservations peers holding a reservation at once
 * @param maxConnectionsPerReservation connections relayed to one reserving peer at once
 * @param maxBytesPerConnection bytes one connection carries, both ways together
 * @param maxConnection how long one connection lasts at most
 * @param reservationTtl how long a reservation lasts unless its call ends first
 * @param acceptWithin how long the reserving peer has to accept a connection
 * @param bytesPerSecond bytes per second one connection carries each way
 * @param burstBytes bytes a connection may send at once before the rate holds it back
 * @param connectsPerMinute connections one peer may ask the relay for in a minute
 * @param maxFrameBytes bytes of data in one frame
 */
record RelayLimits(int maxReservations, int maxConnectionsPerReservation,
    long maxBytesPerConnection, Duration maxConnection, Duration reservationTtl,
    Duration acceptWithin, long bytesPerSecond, long burstBytes, int connectsPerMinute,
    int maxFrameBytes) {

  /** A loudp2p relay's limits. */
  static final RelayLimits DEFAULT = new RelayLimits(128, 8, 256L * 1024 * 1024,
      Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(10), 512 * 1024, 256 * 1024,
      60, 32 * 1024);

  /** These limits with {@code n} as {@link #maxReservations}. */
  RelayLimits withMaxReservations(int n) {
    return new RelayLimits(n, maxConnectionsPerReservation, maxBytesPerConnection, maxConnection,
        reservationTtl, acceptWithin, bytesPerSecond, burstBytes, connectsPerMinute,
        maxFrameBytes);
  }

  /** The callers tracked for {@link #connectsPerMinute}; past it the longest idle is forgotten. */
  static final int TRACKED_CALLERS = 4096;
}
