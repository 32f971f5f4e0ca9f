package io.loudp2p.transport.grpc.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps gRPC from logging a warning with a stack trace for every message over a server's size
 * limit. gRPC refuses such a message from its length prefix, answers {@code RESOURCE_EXHAUSTED}
 * (as PROTOCOL.md section 5 says), and logs "Exception processing message" at WARNING through
 * {@code java.util.logging}, once per message: anyone could fill a peer's log with them. This
 * filter on that one gRPC logger counts those records instead and reports them in a throttled line
 * of this transport's own; every other record of the logger passes as before.
 */
final class OversizeMessages implements Filter {
  /** The logger gRPC's Netty server stream writes through (its class name). */
  static final String GRPC_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerStream";
  /** One line at most this often. */
  static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.GRPC);
  private static final OversizeMessages INSTANCE = new OversizeMessages();
  /** Held so that the filter stays on it: java.util.logging keeps its loggers weakly. */
  private static final java.util.logging.Logger GRPC =
      java.util.logging.Logger.getLogger(GRPC_LOGGER);

  private final ThrottledWarning refused =
      new ThrottledWarning(log, "message(s) over the size limit", LOG_INTERVAL, System::nanoTime);

  private OversizeMessages() {}

  /** Puts the filter on gRPC's logger, unless a filter is there already (the application's). */
  static synchronized OversizeMessages install() {
    if (GRPC.getFilter() == null) {
      GRPC.setFilter(INSTANCE);
    }
    return INSTANCE;
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    if (record.getThrown() instanceof StatusRuntimeException e
        && e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
        && "Exception processing message".equals(record.getMessage())) {
      refused.count("a caller", e.getStatus().getDescription());
      return false;
    }
    return true;
  }

  /** Messages counted since the start. */
  long refused() {
    return refused.total();
  }

  /** Lines logged about them. */
  long lines() {
    return refused.lines();
  }
}
