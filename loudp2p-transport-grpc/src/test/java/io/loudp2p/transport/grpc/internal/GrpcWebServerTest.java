package io.loudp2p.transport.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.GrpcTransportOptions;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A browser's view of a peer's gRPC-Web endpoint, played with the JDK's HTTP client: CORS
 * preflight, a unary call and a server stream in binary and text framing, every refusal as a
 * grpc-status in the trailer frame, the handler reached only by well-formed requests, and callers
 * that stop reading, who cannot hold the server's threads.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrpcWebServerTest {
  private static final int LIMIT = 4096;
  private static final String ORIGIN = "http://127.0.0.1:9";

  private final GrpcControlTransport transport = new GrpcControlTransport(TransportOptions.builder()
      .settings(GrpcTransportOptions.builder().maxMessageBytes(LIMIT)
          .web(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build())
      .build());
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> handled = new ArrayList<>();
  private URI base;
  private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
  private final java.util.concurrent.CountDownLatch lateReplies = new java.util.concurrent.CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
    transport.close();
  }

  /** Listens with a handler that echoes a unary request, streams three answers, or refuses. */
  private void listen() throws Exception {
    transport.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        (request, remote, method, responder) -> {
          String text = new String(request, StandardCharsets.UTF_8);
          synchronized (handled) {
            handled.add(method.wireName() + ":" + text);
          }
          if (text.equals("hold")) {
            await(release);
            responder.reply(new byte[0]);
          } else if (text.equals("later")) {
            new Thread(() -> {
              await(release);
              responder.reply(new byte[0]); // after the deadline: dropped
              lateReplies.countDown();
            }).start();
          } else if (text.equals("refuse")) {
            responder.fail(ControlErrorCode.UNAUTHENTICATED, "BAD_SIGNATURE: nope – 100%");
          } else if (method.streaming()) {
            for (int i = 1; i <= 3; i++) {
              responder.next((text + i).getBytes(StandardCharsets.UTF_8));
            }
            responder.complete();
          } else {
            responder.reply(("echo " + text).getBytes(StandardCharsets.UTF_8));
          }
        }).get(5, TimeUnit.SECONDS);
    InetSocketAddress web = transport.webAddress();
    assertThat(web).isNotNull();
    base = URI.create("http://127.0.0.1:" + web.getPort() + "/loudp2p.v1.Loudp2p/");
  }

  private static byte[] frame(int flag, byte[] message) {
    return ByteBuffer.allocate(5 + message.length).put((byte) flag).putInt(message.length)
        .put(message).array();
  }

  private HttpResponse<byte[]> post(String method, String type, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve(method))
        .header("Content-Type", type).header("X-Grpc-Web", "1").header("Origin", ORIGIN)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The frames of a binary body: data as text, the trailer as "trailer:" and its text. */
  private static List<String> frames(byte[] body) {
    List<String> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(body);
    while (b.remaining() >= 5) {
      int flag = b.get() & 0xff;
      byte[] m = new byte[b.getInt()];
      b.get(m);
      String text = new String(m, StandardCharsets.UTF_8);
      out.add(flag == 0x80 ? "trailer:" + text.strip() : text);
    }
    assertThat(b.remaining()).as("bytes after the last frame").isZero();
    return out;
  }

  @Test
  void aPreflightAllowsThePageToCall() throws Exception {
    listen();
    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(base.resolve("ExchangePeers"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,x-grpc-web").build(),
        HttpResponse.BodyHandlers.discarding());

    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
    assertThat(r.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
    assertThat(r.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
        .contains("content-type", "x-grpc-web");
    assertThat(handled).isEmpty();
  }

  @Test
  void aUnaryCallIsOneDataFrameThenTheTrailer() throws Exception {
    listen();
    HttpResponse<byte[]> r = post("ExchangePeers", GrpcWebServer.PROTO,
        frame(0, "hello".getBytes(StandardCharsets.UTF_8)));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(GrpcWebServer.PROTO);
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
    assertThat(r.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
        .contains("grpc-status", "grpc-message");
    assertThat(frames(r.body())).containsExactly("echo hello", "trailer:grpc-status:0");
    assertThat(handled).containsExactly("ExchangePeers:hello");
  }

  @Test
  void aServerStreamIsItsFramesThenTheTrailerAndTheTextFormIsBase64() throws Exception {
    listen();
    HttpResponse<byte[]> binary = post("Search", GrpcWebServer.PROTO,
        frame(0, "q".getBytes(StandardCharsets.UTF_8)));
    HttpResponse<byte[]> text = post("Search", GrpcWebServer.TEXT,
        Base64.getEncoder().encode(frame(0, "t".getBytes(StandardCharsets.UTF_8))));

    assertThat(frames(binary.body())).containsExactly("q1", "q2", "q3", "trailer:grpc-status:0");
    assertThat(text.headers().firstValue("Content-Type")).hasValue(GrpcWebServer.TEXT);
    // Each frame is its own base64 run (padded), as gRPC-Web's text form allows: decode in turn.
    byte[] decoded = decodeText(text.body());
    assertThat(frames(decoded)).containsExactly("t1", "t2", "t3",
        "trailer:grpc-status:0");
  }

  @Test
  void aRefusalIsItsStatusInTheTrailerAndInTheHeaders() throws Exception {
    listen();
    HttpResponse<byte[]> r = post("GetManifest", GrpcWebServer.PROTO,
        frame(0, "refuse".getBytes(StandardCharsets.UTF_8)));

    assertThat(r.statusCode()).isEqualTo(200);
    String status = "grpc-status:16"; // UNAUTHENTICATED, as native gRPC answers it
    assertThat(frames(r.body())).containsExactly(
        "trailer:" + status + "\r\ngrpc-message:BAD_SIGNATURE: nope %E2%80%93 100%25");
    assertThat(r.headers().firstValue("grpc-status")).hasValue("16");
  }

  @Test
  void badRequestsAreRefusedBeforeTheHandler() throws Exception {
    listen();
    byte[] ok = "x".getBytes(StandardCharsets.UTF_8);
    byte[] twoFrames = new byte[12];
    System.arraycopy(frame(0, ok), 0, twoFrames, 0, 6);
    System.arraycopy(frame(0, ok), 0, twoFrames, 6, 6);

    List<String> statuses = new ArrayList<>();
    statuses.add(status(post("NoSuchMethod", GrpcWebServer.PROTO, frame(0, ok))));
    statuses.add(status(post("ExchangePeers", GrpcWebServer.PROTO, frame(1, ok))));
    statuses.add(status(post("ExchangePeers", GrpcWebServer.PROTO, new byte[] {0, 0})));
    statuses.add(status(post("ExchangePeers", GrpcWebServer.PROTO, twoFrames)));
    statuses.add(status(post("ExchangePeers", GrpcWebServer.PROTO, frame(0, new byte[LIMIT + 1]))));
    statuses.add(status(post("ExchangePeers", GrpcWebServer.TEXT, "%%%".getBytes(StandardCharsets.US_ASCII))));
    HttpResponse<byte[]> wrongType = post("ExchangePeers", "application/json", frame(0, ok));

    assertThat(statuses).containsExactly(
        "12", // UNIMPLEMENTED: no such method
        "3", "3", "3", // INVALID_ARGUMENT: compressed, short, two frames
        "8", // RESOURCE_EXHAUSTED: over the limit
        "3"); // not base64
    assertThat(wrongType.statusCode()).isEqualTo(415);
    assertThat(handled).isEmpty();
    // A request at the limit is handled.
    assertThat(status(post("ExchangePeers", GrpcWebServer.PROTO, frame(0, new byte[LIMIT]))))
        .isEqualTo("0");
    assertThat(handled).hasSize(1);
  }

  /** The bytes of a grpc-web-text body: runs of base64, each ending at its padding. */
  private static byte[] decodeText(byte[] body) {
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    String text = new String(body, StandardCharsets.US_ASCII);
    int from = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '=' && (i + 1 == text.length() || text.charAt(i + 1) != '=')) {
        decoded.writeBytes(Base64.getDecoder().decode(text.substring(from, i + 1)));
        from = i + 1;
      }
    }
    if (from < text.length()) {
      decoded.writeBytes(Base64.getDecoder().decode(text.substring(from)));
    }
    return decoded.toByteArray();
  }

  @Test
  void pastItsThreadsAndQueueACallIsBusyAtOnceAndTheOthersAreAnswered() throws Exception {
    listen();
    int room = GrpcWebServer.THREADS + GrpcWebServer.QUEUED;
    List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
    for (int i = 0; i <= room; i++) {
      calls.add(http.sendAsync(HttpRequest.newBuilder(base.resolve("ExchangePeers"))
          .header("Content-Type", GrpcWebServer.PROTO)
          .POST(HttpRequest.BodyPublishers.ofByteArray(frame(0, "hold".getBytes(
              StandardCharsets.UTF_8)))).build(), HttpResponse.BodyHandlers.ofByteArray()));
    }
    // The threads hold their calls and the queue is full: the one more is refused at once.
    io.loudp2p.core.testing.Await.until(() -> calls.stream().anyMatch(
        java.util.concurrent.CompletableFuture::isDone), Duration.ofSeconds(20), "a call answered");
    List<String> early = new ArrayList<>();
    for (var c : calls) {
      if (c.isDone()) {
        early.add(status(c.join()));
      }
    }
    assertThat(early).containsExactly("8");

    release.countDown();
    List<String> all = new ArrayList<>();
    for (var c : calls) {
      all.add(status(c.get(20, TimeUnit.SECONDS)));
    }
    assertThat(all).filteredOn("8"::equals).hasSize(1);
    assertThat(all).filteredOn("0"::equals).hasSize(room);
  }

  @Test
  void chunkBatchesAndThePageAreServedBesideTheControlCalls(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path page) throws Exception {
    java.nio.file.Files.writeString(page.resolve("index.html"), "<title>tab</title>");
    java.nio.file.Files.writeString(page.resolve("app.js"), "export {}");
    io.loudp2p.spi.DataSessionId session = io.loudp2p.spi.DataSessionId.fromBytes(new byte[16]);
    byte[] chunk = new byte[3000];
    new java.util.Random(3).nextBytes(chunk);
    io.loudp2p.spi.ChunkProvider provider = new io.loudp2p.spi.ChunkProvider() {
      @Override
      public boolean accept(io.loudp2p.spi.DataSessionId s, byte[] handshake,
          InetSocketAddress remote) {
        return s.equals(session) && new String(handshake, StandardCharsets.UTF_8).equals("hi");
      }

      @Override
      public int chunkLength(io.loudp2p.spi.DataSessionId s, int index) {
        return index == 0 ? chunk.length : -1;
      }

      @Override
      public void readChunk(io.loudp2p.spi.DataSessionId s, int index, int offset,
          ByteBuffer dst) {
        dst.put(chunk, offset, dst.remaining());
      }
    };
    List<String> counted = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (GrpcControlTransport t = new GrpcControlTransport(TransportOptions.builder()
        .settings(GrpcTransportOptions.builder()
            .web(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).webPage(page).build())
        .build())) {
      io.loudp2p.spi.TransportServer server = t.listen(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
          chunksOnly(provider, counted::add)).get(5, TimeUnit.SECONDS);
      assertThat(server.webAddress()).isEqualTo(t.webAddress());
      URI root = URI.create("http://127.0.0.1:" + t.webAddress().getPort() + "/");
      base = root.resolve("loudp2p.v1.Loudp2p/");

      byte[] request = io.loudp2p.core.proto.v1.ChunkRequest.newBuilder()
          .setSessionId(com.google.protobuf.ByteString.copyFrom(session.bytes()))
          .setHandshake(com.google.protobuf.ByteString.copyFromUtf8("hi"))
          .addWant(0).addWant(1).build().toByteArray();
      HttpResponse<byte[]> r = post("FetchChunkBatch", GrpcWebServer.PROTO, frame(0, request));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
      List<io.loudp2p.core.proto.v1.DataFrame> frames = new ArrayList<>();
      ByteBuffer b = ByteBuffer.wrap(r.body());
      String trailer = null;
      while (b.remaining() >= 5) {
        int flag = b.get() & 0xff;
        byte[] m = new byte[b.getInt()];
        b.get(m);
        if (flag == 0x80) {
          trailer = new String(m, StandardCharsets.US_ASCII).strip();
        } else {
          frames.add(io.loudp2p.core.proto.v1.DataFrame.parseFrom(m));
        }
      }
      assertThat(trailer).isEqualTo("grpc-status:0");
      assertThat(frames.get(0).getAccepted()).isTrue();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      for (var f : frames.subList(1, frames.size() - 1)) {
        assertThat(f.getChunk().getChunkIndex()).isZero();
        assertThat(f.getChunk().getOffset()).isEqualTo(got.size());
        got.writeBytes(f.getChunk().getData().toByteArray());
      }
      assertThat(frames).hasSize(1 + 3 + 1);
      assertThat(got.toByteArray()).isEqualTo(chunk);
      assertThat(frames.get(frames.size() - 1).getUnavailable()).isEqualTo(1);
      assertThat(counted).containsExactly(WebChunkBatches.TRANSPORT);
      // The same session with other bytes for its handshake: refused.
      byte[] forged = io.loudp2p.core.proto.v1.ChunkRequest.newBuilder().mergeFrom(request)
          .setHandshake(com.google.protobuf.ByteString.copyFromUtf8("ho")).build().toByteArray();
      assertThat(status(post("FetchChunkBatch", GrpcWebServer.PROTO, frame(0, forged))))
          .isEqualTo("16");

      HttpResponse<String> index = http.send(HttpRequest.newBuilder(root).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.body()).isEqualTo("<title>tab</title>");
      assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
      HttpResponse<String> js = http.send(HttpRequest.newBuilder(root.resolve("app.js")).GET()
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(js.headers().firstValue("Content-Type"))
          .hasValue("text/javascript; charset=utf-8");
      for (String bad : List.of("missing.js", ".hidden", "..%2Findex.html", "a/b.js")) {
        assertThat(http.send(HttpRequest.newBuilder(root.resolve(bad)).GET().build(),
            HttpResponse.BodyHandlers.ofString()).statusCode()).as(bad).isEqualTo(404);
      }
    }
  }

  /** A 16-byte session ID that names {@code n}. */
  private static io.loudp2p.spi.DataSessionId session(int n) {
    byte[] id = new byte[16];
    ByteBuffer.wrap(id).putInt(n);
    return io.loudp2p.spi.DataSessionId.fromBytes(id);
  }

  /** A FetchChunkBatch request of {@code session} (handshake "hi") for chunks from {@code first}. */
  private static byte[] batch(io.loudp2p.spi.DataSessionId session, int first, int wants) {
    io.loudp2p.core.proto.v1.ChunkRequest.Builder r = io.loudp2p.core.proto.v1.ChunkRequest
        .newBuilder().setSessionId(com.google.protobuf.ByteString.copyFrom(session.bytes()))
        .setHandshake(com.google.protobuf.ByteString.copyFromUtf8("hi"));
    for (int i = 0; i < wants; i++) {
      r.addWant(first + i);
    }
    return r.build().toByteArray();
  }

  @Test
  void callersThatStopReadingLoseTheirBatchesAndTheOthersAreServed() throws Exception {
    // Chunks from 1000 on are 1 MiB: a batch of them is far more than the sockets' buffers hold.
    // Those below are small, so that the well-behaved calls' answers never wait on their reader.
    int big = 1000;
    byte[] data = new byte[1 << 20];
    new java.util.Random(7).nextBytes(data);
    java.util.Set<Integer> begun = java.util.concurrent.ConcurrentHashMap.newKeySet();
    io.loudp2p.spi.ChunkProvider provider = new io.loudp2p.spi.ChunkProvider() {
      @Override
      public boolean accept(io.loudp2p.spi.DataSessionId s, byte[] handshake,
          InetSocketAddress remote) {
        return new String(handshake, StandardCharsets.UTF_8).equals("hi");
      }

      @Override
      public int chunkLength(io.loudp2p.spi.DataSessionId s, int index) {
        return index >= big ? data.length : 4000;
      }

      @Override
      public void readChunk(io.loudp2p.spi.DataSessionId s, int index, int offset,
          ByteBuffer dst) {
        begun.add(index);
        dst.put(data, offset, dst.remaining());
      }
    };
    io.loudp2p.spi.ControlHandler handler = chunksOnly(provider, transport -> {});
    List<java.net.Socket> stuck = new ArrayList<>();
    try (GrpcWebServer web = GrpcWebServer.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), handler, LIMIT, null,
        Duration.ofSeconds(1))) {
      base = URI.create("http://127.0.0.1:" + web.address().getPort() + "/loudp2p.v1.Loudp2p/");
      // As many callers as there are batch slots send a batch of big chunks and never read.
      for (int i = 0; i < WebChunkBatches.MAX_BATCHES; i++) {
        byte[] body = frame(0, batch(session(i / WebChunkBatches.MAX_CALLS_PER_SESSION),
            big * (i + 1), WebChunkBatches.MAX_WANTS));
        java.net.Socket c = new java.net.Socket();
        stuck.add(c);
        c.setReceiveBufferSize(4096); // before connecting: the window it offers stays small
        c.connect(web.address());
        c.getOutputStream().write(("POST /loudp2p.v1.Loudp2p/FetchChunkBatch HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\nContent-Type: " + GrpcWebServer.PROTO + "\r\n"
            + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        c.getOutputStream().write(body);
        c.getOutputStream().flush();
      }
      // Each took its slot: it began to send (or, on a starved machine, was ended already).
      io.loudp2p.core.testing.Await.until(() -> java.util.stream.IntStream
          .rangeClosed(1, WebChunkBatches.MAX_BATCHES).filter(i -> begun.contains(big * i))
          .count() + web.stalledWrites() >= WebChunkBatches.MAX_BATCHES,
          Duration.ofSeconds(10), "every stuck batch took its slot");

      // A page that reads gets its chunks soon: the stuck calls ended and left their slots.
      java.util.concurrent.atomic.AtomicReference<HttpResponse<byte[]>> served =
          new java.util.concurrent.atomic.AtomicReference<>();
      io.loudp2p.core.testing.Await.until(() -> {
        HttpResponse<byte[]> a;
        try {
          a = post("FetchChunkBatch", GrpcWebServer.PROTO, frame(0, batch(session(100), 0, 2)));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
        String status = status(a);
        assertThat(status).as("refused for want of a slot, or served").isIn("0", "8");
        if (status.equals("0")) {
          served.set(a);
        }
        return served.get() != null;
      }, Duration.ofSeconds(5), "a batch within 5 s of the stuck ones");
      assertThat(served.get().body().length).isGreaterThan(2 * 4000);
      io.loudp2p.core.testing.Await.until(
          () -> web.stalledWrites() >= WebChunkBatches.MAX_BATCHES, Duration.ofSeconds(5),
          "every stuck call ended");

      // Every slot is free again, and no thread that was interrupted carries it into a call.
      List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
      for (int i = 0; i < WebChunkBatches.MAX_BATCHES; i++) {
        calls.add(http.sendAsync(HttpRequest.newBuilder(base.resolve("FetchChunkBatch"))
            .header("Content-Type", GrpcWebServer.PROTO)
            .POST(HttpRequest.BodyPublishers.ofByteArray(frame(0, batch(session(200 + i), 0, 2))))
            .build(), HttpResponse.BodyHandlers.ofByteArray()));
      }
      for (var c : calls) {
        assertThat(status(c.get(10, TimeUnit.SECONDS))).isEqualTo("0");
      }
    } finally {
      for (java.net.Socket c : stuck) {
        c.close();
      }
    }
  }

  @Test
  void aCallPastItsGrpcTimeoutEndsDeadlineExceededAndALateAnswerIsDropped() throws Exception {
    listen();
    long start = System.nanoTime();
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(base.resolve("ExchangePeers"))
        .header("Content-Type", GrpcWebServer.PROTO).header("grpc-timeout", "300m")
        .POST(HttpRequest.BodyPublishers.ofByteArray(frame(0, "later".getBytes(
            StandardCharsets.UTF_8)))).build(), HttpResponse.BodyHandlers.ofByteArray());
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(status(r)).isEqualTo("4");
    assertThat(tookMs).as("ended at its deadline, not at the server's five minutes")
        .isBetween(250L, 10_000L);
    release.countDown();
    assertThat(lateReplies.await(10, TimeUnit.SECONDS)).as("the late answer went nowhere")
        .isTrue();
    // The server is whole: the next call is answered.
    assertThat(status(post("ExchangePeers", GrpcWebServer.PROTO,
        frame(0, "hi".getBytes(StandardCharsets.UTF_8))))).isEqualTo("0");
  }

  @Test
  void grpcTimeoutsAreReadAsGrpcWritesThemAndCappedAtFiveMinutes() {
    assertThat(GrpcWebServer.timeoutNs("300m")).isEqualTo(300_000_000L);
    assertThat(GrpcWebServer.timeoutNs("2S")).isEqualTo(2_000_000_000L);
    assertThat(GrpcWebServer.timeoutNs("1H")).isEqualTo(GrpcWebServer.MAX_CALL_NS);
    assertThat(GrpcWebServer.timeoutNs("7u")).isEqualTo(7_000L);
    for (String bad : new String[] {null, "", "m", "123456789m", "-5m", "5 m", "5x", "5.0S"}) {
      assertThat(GrpcWebServer.timeoutNs(bad)).as(String.valueOf(bad))
          .isEqualTo(GrpcWebServer.MAX_CALL_NS);
    }
  }

  private static void await(java.util.concurrent.CountDownLatch latch) {
    try {
      latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String status(HttpResponse<byte[]> r) {
    boolean text = r.headers().firstValue("Content-Type").orElse("").equals(GrpcWebServer.TEXT);
    List<String> f = frames(text ? decodeText(r.body()) : r.body());
    String trailer = f.get(f.size() - 1);
    assertThat(trailer).startsWith("trailer:grpc-status:");
    String rest = trailer.substring("trailer:grpc-status:".length());
    int end = rest.indexOf('\r');
    return end < 0 ? rest : rest.substring(0, end);
  }

  /** A handler that serves {@code provider}'s chunks and refuses every control call. */
  private static io.loudp2p.spi.ControlHandler chunksOnly(io.loudp2p.spi.ChunkProvider provider,
      java.util.function.Consumer<String> asked) {
    return new io.loudp2p.spi.ControlHandler() {
      @Override
      public void handle(byte[] request, InetSocketAddress remote,
          io.loudp2p.spi.ControlMethod method, io.loudp2p.spi.ControlResponder responder) {
        responder.fail(ControlErrorCode.UNAVAILABLE, "no control calls here");
      }

      @Override
      public io.loudp2p.spi.ChunkProvider chunks(String transport) {
        asked.accept(transport);
        return provider;
      }
    };
  }
}
