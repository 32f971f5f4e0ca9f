package io.loudp2p.transport.grpc.internal;

import io.loudp2p.core.identity.PeerCertificates.Refusal;
import io.loudp2p.core.identity.PeerCertificates.RefusedCertificate;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS handshakes one transport refused (PROTOCOL.md section 9), counted by reason, whether the
 * other side was a server this transport dialled or a client that dialled it; reported in a
 * throttled warning line of each side, so that a peer that keeps meeting the wrong peer at an
 * address is seen without a line per handshake.
 *
 * <p>Thread-safe.
 */
final class TlsRefusals {
  /** One line at most this often, for each side. */
  static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.TLS);
  private static final Refusal[] REASONS = Refusal.values();

  private final AtomicLongArray counts = new AtomicLongArray(REASONS.length);
  private final ThrottledWarning servers =
      new ThrottledWarning(log, "server(s) at the TLS handshake", LOG_INTERVAL, System::nanoTime);
  private final ThrottledWarning clients =
      new ThrottledWarning(log, "client(s) at the TLS handshake", LOG_INTERVAL, System::nanoTime);

  /** Counts a server refused: {@code at} is where it was dialled. */
  void server(Object at, RefusedCertificate refused) {
    counts.incrementAndGet(refused.reason().ordinal());
    servers.count(at, refused.getMessage());
  }

  /** Counts a client refused. */
  void client(RefusedCertificate refused) {
    counts.incrementAndGet(refused.reason().ordinal());
    clients.count("a client", refused.getMessage());
  }

  /** Handshakes refused so far, by reason; reasons never met are left out. */
  Map<Refusal, Long> counts() {
    Map<Refusal, Long> out = new EnumMap<>(Refusal.class);
    for (Refusal r : REASONS) {
      long n = counts.get(r.ordinal());
      if (n > 0) {
        out.put(r, n);
      }
    }
    return out;
  }
}
