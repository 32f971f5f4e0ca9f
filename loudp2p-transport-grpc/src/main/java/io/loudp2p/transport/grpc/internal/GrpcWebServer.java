package io.loudp2p.transport.grpc.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.TransportServer;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control methods of {@code loudp2p.v1.Loudp2p} for browsers, which cannot speak gRPC over
 * HTTP/2: the gRPC-Web wire (grpc's PROTOCOL-WEB: {@code application/grpc-web+proto}, and its
 * base64 form {@code application/grpc-web-text}) over HTTP/1.1 on the JDK's HTTP server, with CORS
 * so that a page from any origin may call it. Each request goes to the same {@link ControlHandler}
 * as a native gRPC call: the same signed envelopes, checks and limits (PROTOCOL.md section 5,
 * "gRPC-Web").
 *
 * <p>One request frame a call (gRPC-Web has no client streaming), of at most {@code
 * maxMessageBytes}; answers are data frames, then a trailer frame with {@code grpc-status} and
 * {@code grpc-message}, written by each call's {@link WebCall}. Requests are answered by at most
 * {@link #THREADS} threads, with at most {@link #QUEUED} more waiting; past them a call is
 * answered {@code RESOURCE_EXHAUSTED}. A write of an answer that makes no progress for {@link
 * #WRITE_STALL} ends its call ({@link StalledWrites}), so that callers that stop reading cannot
 * hold the threads. Thread-safe.
 */
final class GrpcWebServer implements TransportServer {
  /**
   * Threads that read requests and write answers: at most {@link WebChunkBatches#MAX_BATCHES}
   * of them send chunk batches, so that 8 are always left for the other calls.
   */
  static final int THREADS = 8 + WebChunkBatches.MAX_BATCHES;
  /** Requests waiting for a thread, at most. */
  static final int QUEUED = 256;
  /**
   * How long one write of an answer may make no progress (its caller does not read) before the
   * call ends and its thread is freed: the JDK's HTTP server has no write timeout of its own.
   */
  static final Duration WRITE_STALL = Duration.ofSeconds(10);
  /** How long a preflight answer may be kept by the browser, in seconds. */
  static final int PREFLIGHT_MAX_AGE_SECONDS = 600;

  static final String PROTO = "application/grpc-web+proto";
  static final String TEXT = "application/grpc-web-text";
  private static final String PATH_PREFIX = "/" + Loudp2pGrpc.SERVICE_NAME + "/";
  private static final String FETCH_CHUNK_BATCH =
      PATH_PREFIX + Loudp2pGrpc.getFetchChunkBatchMethod().getBareMethodName();
  private static final byte COMPRESSED_FLAG = 0x01;

  /** Set while an exchange the pool had no room for is answered on the accepting thread. */
  private static final ThreadLocal<Boolean> BUSY = new ThreadLocal<>();

  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.GRPC);
  private static final ThrottledLog failures = new ThrottledLog(log);

  private final HttpServer server;
  private final ExecutorService threads;
  private final ControlHandler handler;
  private final int maxMessageBytes;
  private final InetSocketAddress bound;
  private final WebChunkBatches batches;
  private final ScheduledExecutorService sweeper;
  private final StalledWrites writes;
  /** Apart from the sessions' sweeper, which waits on chunk providers as they end sessions. */
  private final ScheduledExecutorService writeSweeper;
  private final @Nullable WebPage page;

  private GrpcWebServer(HttpServer server, ExecutorService threads, ControlHandler handler,
      int maxMessageBytes, @Nullable WebPage page, Duration writeStall) {
    this.server = server;
    this.threads = threads;
    this.handler = handler;
    this.maxMessageBytes = maxMessageBytes;
    this.page = page;
    this.batches = new WebChunkBatches(() -> handler.chunks(WebChunkBatches.TRANSPORT),
        System::nanoTime);
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loudp2p-grpc-web-sessions");
      t.setDaemon(true);
      return t;
    });
    sweeper.scheduleWithFixedDelay(batches::endIdle, 1, 1, TimeUnit.SECONDS);
    this.writes = new StalledWrites(writeStall, System::nanoTime);
    this.writeSweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loudp2p-grpc-web-writes");
      t.setDaemon(true);
      return t;
    });
    // A stalled write ends between the limit and a tenth of it later.
    long tick = Math.max(1, writeStall.toMillis() / 10);
    writeSweeper.scheduleWithFixedDelay(writes::sweep, tick, tick, TimeUnit.MILLISECONDS);
    this.bound = new InetSocketAddress(server.getAddress().getAddress(),
        server.getAddress().getPort());
  }

  /**
   * Serves gRPC-Web at {@code address} (port 0: a free one), and the files of {@code page} when
   * not null.
   *
   * @throws IOException when the address cannot be bound
   */
  static GrpcWebServer start(InetSocketAddress address, ControlHandler handler,
      int maxMessageBytes, @Nullable Path page) throws IOException {
    return start(address, handler, maxMessageBytes, page, WRITE_STALL);
  }

  /** As {@link #start(InetSocketAddress, ControlHandler, int, Path)}, with another write limit. */
  static GrpcWebServer start(InetSocketAddress address, ControlHandler handler,
      int maxMessageBytes, @Nullable Path page, Duration writeStall) throws IOException {
    HttpServer http = HttpServer.create(address, 64);
    ThreadPoolExecutor threads = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(QUEUED), r -> {
          Thread t = new Thread(r, "loudp2p-grpc-web");
          t.setDaemon(true);
          return t;
        }); // past the queue: RejectedExecutionException
    threads.allowCoreThreadTimeOut(true);
    GrpcWebServer web = new GrpcWebServer(http, threads, handler, maxMessageBytes,
        page == null ? null : new WebPage(page), writeStall);
    http.setExecutor(command -> {
      try {
        threads.execute(command);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // Answered on the accepting thread, at once: RESOURCE_EXHAUSTED.
        BUSY.set(Boolean.TRUE);
        try {
          command.run();
        } finally {
          BUSY.remove();
        }
      }
    });
    http.createContext("/", web::exchange);
    http.start();
    log.info("serves gRPC-Web at http://{}:{}/", web.bound.getHostString(), web.bound.getPort());
    return web;
  }

  @Override
  public InetSocketAddress address() {
    return bound;
  }

  /** Answers ended since the start because a write of theirs made no progress. */
  long stalledWrites() {
    return writes.ended();
  }

  @Override
  public void close() {
    server.stop(0);
    sweeper.shutdownNow();
    writeSweeper.shutdownNow();
    batches.close();
    threads.shutdownNow();
  }

  private void exchange(HttpExchange x) throws IOException {
    try {
      cors(x);
      String method = x.getRequestMethod();
      if (method.equals("OPTIONS")) {
        x.getResponseHeaders().set("Access-Control-Allow-Methods", "POST, OPTIONS");
        x.getResponseHeaders().set("Access-Control-Allow-Headers",
            "content-type, x-grpc-web, x-user-agent, grpc-timeout");
        x.getResponseHeaders().set("Access-Control-Max-Age", Integer.toString(PREFLIGHT_MAX_AGE_SECONDS));
        empty(x, 204);
        return;
      }
      if (page != null && (method.equals("GET") || method.equals("HEAD"))) {
        page.serve(x, writes);
        return;
      }
      if (!method.equals("POST")) {
        x.getResponseHeaders().set("Allow", page == null ? "POST, OPTIONS" : "GET, HEAD, POST, OPTIONS");
        empty(x, 405);
        return;
      }
      String type = contentType(x.getRequestHeaders());
      boolean text = type.startsWith(TEXT);
      if (!text && !type.startsWith("application/grpc-web")) {
        empty(x, 415);
        return;
      }
      String path = x.getRequestURI().getPath();
      ControlMethod called = method(path);
      boolean batch = path.equals(FETCH_CHUNK_BATCH);
      WebCall call = new WebCall(x, writes, text,
          batch || (called != null && called.streaming()),
          System.nanoTime() + timeoutNs(x.getRequestHeaders().getFirst("grpc-timeout")));
      if (BUSY.get() != null) {
        call.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "the peer's gRPC-Web server is busy");
      } else if (batch) {
        serveBatch(x, call);
      } else {
        serve(x, called, call);
      }
    } catch (IOException | RuntimeException e) {
      failures.warn("gRPC-Web exchange failed: {}", e.toString());
      WebCall.close(x, writes);
    }
  }

  /** Answers {@code code} with no body. */
  private void empty(HttpExchange x, int code) throws IOException {
    writes.run(x.getRemoteAddress(), () -> x.sendResponseHeaders(code, -1));
  }

  private void serve(HttpExchange x, @Nullable ControlMethod called, WebCall call)
      throws IOException {
    if (called == null) {
      call.status(io.grpc.Status.Code.UNIMPLEMENTED, "no method " + x.getRequestURI().getPath()
          + " over gRPC-Web (chunks come by FetchChunkBatch)");
      return;
    }
    byte[] request = request(x, call);
    if (request == null) {
      return;
    }
    try {
      handler.handle(request, x.getRemoteAddress(), called, call);
    } catch (RuntimeException e) {
      failures.warn("control handler failed on {} over gRPC-Web", called.wireName(), e);
      call.failQuietly(ControlErrorCode.INTERNAL, "the peer failed to handle the request");
    }
    call.awaitEnd();
  }

  /** Serves a FetchChunkBatch call on this thread: its frames as they are read. */
  private void serveBatch(HttpExchange x, WebCall call) throws IOException {
    byte[] request = request(x, call);
    if (request == null) {
      return;
    }
    WebChunkBatches.Outcome outcome;
    try {
      outcome = batches.serve(request, x.getRemoteAddress(), frame -> {
        if (System.nanoTime() - call.deadlineNs > 0) {
          throw new PastDeadline();
        }
        call.next(frame.toByteArray());
        if (call.isCancelled()) {
          throw new IOException("the caller went away");
        }
      });
    } catch (PastDeadline e) {
      call.status(io.grpc.Status.Code.DEADLINE_EXCEEDED, "the batch did not end within the"
          + " call's grpc-timeout");
      return;
    } catch (IOException e) {
      call.status(io.grpc.Status.Code.CANCELLED, "the caller went away");
      return;
    }
    if (outcome.code() == io.grpc.Status.Code.OK) {
      call.complete();
    } else {
      call.status(outcome.code(), outcome.message());
    }
  }

  /** The call's one request message, or null when the call was failed for its body. */
  private byte @Nullable [] request(HttpExchange x, WebCall call) throws IOException {
    byte[] body = readUpTo(x.getRequestBody(), call.text
        ? 4 * ((maxMessageBytes + 5 + 2) / 3) + 4 : maxMessageBytes + 5 + 1);
    if (body == null) {
      call.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "TOO_LARGE: a request over "
          + maxMessageBytes + " bytes");
      return null;
    }
    byte[] frames;
    try {
      frames = call.text ? Base64.getDecoder().decode(body) : body;
    } catch (IllegalArgumentException e) {
      call.fail(ControlErrorCode.MALFORMED, "the grpc-web-text body is not base64");
      return null;
    }
    if (frames.length < 5 || (frames[0] & ~COMPRESSED_FLAG) != 0) {
      call.fail(ControlErrorCode.MALFORMED, "a request is one gRPC-Web data frame");
      return null;
    }
    if ((frames[0] & COMPRESSED_FLAG) != 0) {
      call.fail(ControlErrorCode.MALFORMED, "compressed messages are not accepted");
      return null;
    }
    int length = ByteBuffer.wrap(frames, 1, 4).getInt();
    if (length < 0 || length > maxMessageBytes) {
      call.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "TOO_LARGE: a request over "
          + maxMessageBytes + " bytes");
      return null;
    }
    if (frames.length != 5 + length) {
      call.fail(ControlErrorCode.MALFORMED, "a request is exactly one gRPC-Web data frame");
      return null;
    }
    return java.util.Arrays.copyOfRange(frames, 5, frames.length);
  }

  /** A batch's next frame would leave after the call's deadline. */
  private static final class PastDeadline extends IOException {
    private static final long serialVersionUID = 1L;

    PastDeadline() {
      super("past the call's deadline", null);
    }
  }

  /** Longest a call may take, with or without a {@code grpc-timeout}. */
  static final long MAX_CALL_NS = TimeUnit.MINUTES.toNanos(5);

  /**
   * The time a call may take: its {@code grpc-timeout} (gRPC's form: at most 8 digits and a unit,
   * H, M, S, m, u or n) when it has a valid one, at most {@link #MAX_CALL_NS}.
   */
  static long timeoutNs(@Nullable String header) {
    if (header == null || !header.matches("[0-9]{1,8}[HMSmun]")) {
      return MAX_CALL_NS;
    }
    long value = Long.parseLong(header.substring(0, header.length() - 1));
    TimeUnit unit = switch (header.charAt(header.length() - 1)) {
      case 'H' -> TimeUnit.HOURS;
      case 'M' -> TimeUnit.MINUTES;
      case 'S' -> TimeUnit.SECONDS;
      case 'm' -> TimeUnit.MILLISECONDS;
      case 'u' -> TimeUnit.MICROSECONDS;
      default -> TimeUnit.NANOSECONDS;
    };
    return Math.min(MAX_CALL_NS, unit.toNanos(value));
  }

  private static void cors(HttpExchange x) {
    Headers h = x.getResponseHeaders();
    String origin = x.getRequestHeaders().getFirst("Origin");
    h.set("Access-Control-Allow-Origin", origin == null ? "*" : origin);
    h.set("Vary", "Origin");
    h.set("Access-Control-Expose-Headers", "grpc-status, grpc-message");
  }

  private static String contentType(Headers headers) {
    String t = headers.getFirst("Content-Type");
    return t == null ? "" : t.toLowerCase(Locale.ROOT).strip();
  }

  private static ControlMethod method(String path) {
    if (!path.startsWith(PATH_PREFIX)) {
      return null;
    }
    String name = path.substring(PATH_PREFIX.length());
    for (ControlMethod m : ControlMethod.values()) {
      if (m.wireName().equals(name)) {
        return m;
      }
    }
    return null;
  }

  /** The body, or null when it is longer than {@code limit} bytes (then not read further). */
  private static byte[] readUpTo(InputStream in, int limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) > 0) {
      if (out.size() + n > limit) {
        return null;
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }
}
