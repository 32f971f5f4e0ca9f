package io.loudp2p.transport.grpc.internal;

import com.sun.net.httpserver.HttpExchange;
import io.loudp2p.spi.ControlErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC-Web call's answer, as {@link GrpcWebServer} writes it: the response headers go with the
 * first frame (200, the request's content type), then data frames, then the trailer frame with
 * {@code grpc-status} and {@code grpc-message}, each frame base64 in text mode. It owns the
 * framing of answers, their trailers-only form and the call's deadline; {@link #awaitEnd} holds
 * the exchange's thread until the handler ended the call, so that a handler may answer later from
 * another thread. Every write goes through the server's {@link StalledWrites}. Thread-safe (as
 * {@link OneExchange}).
 */
final class WebCall extends OneExchange {
  private static final byte TRAILER_FLAG = (byte) 0x80;

  private final HttpExchange x;
  private final InetSocketAddress remote;
  private final StalledWrites writes;
  private final CountDownLatch ended = new CountDownLatch(1);
  private OutputStream body;
  /** Whether the call is grpc-web-text: its request and its frames in base64. */
  final boolean text;
  /** When the call's time is up ({@link System#nanoTime}). */
  final long deadlineNs;

  WebCall(HttpExchange x, StalledWrites writes, boolean text, boolean streaming,
      long deadlineNs) {
    super(streaming);
    this.x = x;
    this.remote = x.getRemoteAddress();
    this.writes = writes;
    this.text = text;
    this.deadlineNs = deadlineNs;
  }

  @Override
  void send(byte[] response) {
    frame((byte) 0, response);
  }

  @Override
  void end() {
    trailer(0, "");
  }

  @Override
  void error(ControlErrorCode code, String message) {
    trailer(status(code), message);
  }

  /** Ends the call with {@code code}, unless it has ended. */
  synchronized void status(io.grpc.Status.Code code, String message) {
    if (done()) {
      return;
    }
    terminal();
    trailer(code.value(), message);
  }

  /**
   * Waits for the handler's end of the call until the call's deadline; past it the call ends
   * {@code DEADLINE_EXCEEDED}, and what the handler answers later is dropped, as over native
   * gRPC.
   */
  void awaitEnd() {
    try {
      long left = deadlineNs - System.nanoTime();
      if (!ended.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
        expire(io.grpc.Status.Code.DEADLINE_EXCEEDED, "no answer within the call's deadline");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      expire(io.grpc.Status.Code.UNAVAILABLE, "the peer stopped");
    }
  }

  /** Ends the call with {@code code} now, unless it ended; the handler's answers are dropped. */
  private synchronized void expire(io.grpc.Status.Code code, String message) {
    if (!done() && !isCancelled()) {
      trailer(code.value(), message);
      cancelled();
    }
  }

  private void frame(byte flag, byte[] message) {
    if (isCancelled()) {
      return;
    }
    ByteBuffer f = ByteBuffer.allocate(5 + message.length);
    f.put(flag).putInt(message.length).put(message);
    byte[] bytes = f.array();
    try {
      if (body == null) {
        x.getResponseHeaders().set("Content-Type",
            text ? GrpcWebServer.TEXT : GrpcWebServer.PROTO);
        writes.run(remote, () -> x.sendResponseHeaders(200, 0)); // chunked: frames as they come
        body = writes.bounded(x.getResponseBody(), remote);
      }
      body.write(text ? Base64.getEncoder().encode(bytes) : bytes);
      body.flush();
    } catch (IOException e) {
      cancelled(); // the browser went away
    }
  }

  private void trailer(int status, String message) {
    if (body == null && !isCancelled()) {
      // Trailers-only: the status in the headers too, for clients that read it there.
      x.getResponseHeaders().set("grpc-status", Integer.toString(status));
      if (!message.isEmpty()) {
        x.getResponseHeaders().set("grpc-message", percentEncoded(message));
      }
    }
    String trailers = "grpc-status:" + status + "\r\n"
        + (message.isEmpty() ? "" : "grpc-message:" + percentEncoded(message) + "\r\n");
    frame(TRAILER_FLAG, trailers.getBytes(StandardCharsets.US_ASCII));
    try {
      if (body != null) {
        body.close();
      }
    } catch (IOException e) {
      cancelled();
    } finally {
      close(x, writes);
      ended.countDown();
    }
  }

  /**
   * Closes the exchange; what is left of its answer goes in a bounded write. Shared with the
   * server, which closes exchanges that failed before they had a call.
   */
  static void close(HttpExchange x, StalledWrites writes) {
    try {
      writes.run(x.getRemoteAddress(), x::close);
    } catch (IOException e) {
      // HttpExchange.close throws none: it closes the connection when a write fails
    }
  }

  /** The grpc-status number of a code, as {@link Statuses} maps it for native gRPC. */
  private static int status(ControlErrorCode code) {
    return Statuses.toStatus(code).getCode().value();
  }

  /** A grpc-message value: percent-encoded UTF-8, as gRPC's HTTP/2 mapping has it. */
  static String percentEncoded(String message) {
    StringBuilder b = new StringBuilder();
    for (byte c : message.getBytes(StandardCharsets.UTF_8)) {
      if (c >= 0x20 && c < 0x7f && c != '%') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format(Locale.ROOT, "%02X", c & 0xff));
      }
    }
    return b.toString();
  }
}
