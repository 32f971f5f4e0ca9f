package io.loudp2p.transport.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.loudp2p.PeerId;
import io.loudp2p.core.proto.v1.ChunkRequest;
import io.loudp2p.core.proto.v1.DataFrame;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * The chunk batches of gRPC-Web clients, against a provider of a 10-chunk track on a clock the
 * test moves: chunks whole and in order, the session accepted once and held to its handshake,
 * every limit, the end of idle sessions, and a source that stops.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WebChunkBatchesTest {
  private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 40000);
  /** Chunks 0 to 8 are 16 KiB, chunk 9 is 1,000 bytes; the source has no chunk 5. */
  private static final int CHUNKS = 10;

  private final Provider provider = new Provider();
  private final long[] now = {0};
  private final WebChunkBatches batches = new WebChunkBatches(() -> provider, () -> now[0]);

  @AfterEach
  void close() {
    batches.close();
  }

  /** A provider that offered sessions with handshakes, and checks that its calls never overlap. */
  private static final class Provider implements ChunkProvider {
    final Map<DataSessionId, byte[]> offered = new HashMap<>();
    final Map<DataSessionId, PeerId> peers = new HashMap<>();
    final List<DataSessionId> accepted = new CopyOnWriteArrayList<>();
    final List<DataSessionId> closed = new CopyOnWriteArrayList<>();
    /** Calls inside the provider now, per session: those of one session must never overlap. */
    final Map<DataSessionId, AtomicInteger> inside = new java.util.concurrent.ConcurrentHashMap<>();
    volatile boolean overlapped;

    synchronized DataSessionId offer(String handshake, PeerId peer) {
      DataSessionId id = randomSession();
      offered.put(id, handshake.getBytes());
      peers.put(id, peer);
      return id;
    }

    @Override
    public synchronized boolean accept(DataSessionId s, byte[] handshake, InetSocketAddress r) {
      if (!java.util.Arrays.equals(offered.get(s), handshake) || accepted.contains(s)) {
        return false;
      }
      accepted.add(s);
      return true;
    }

    @Override
    public synchronized boolean knows(DataSessionId s) {
      return offered.containsKey(s);
    }

    @Override
    public synchronized @Nullable PeerId peerOf(DataSessionId s) {
      return peers.get(s);
    }

    @Override
    public int chunkLength(DataSessionId s, int index) {
      enter(s);
      try {
        return index == 5 || index >= CHUNKS ? -1 : index == 9 ? 1000 : 16 * 1024;
      } finally {
        inside.get(s).decrementAndGet();
      }
    }

    @Override
    public void readChunk(DataSessionId s, int index, int offset, ByteBuffer dst) {
      enter(s);
      try {
        while (dst.hasRemaining()) {
          dst.put((byte) (index * 31 + offset++));
        }
      } finally {
        inside.get(s).decrementAndGet();
      }
    }

    private void enter(DataSessionId s) {
      if (inside.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet() > 1) {
        overlapped = true;
      }
    }

    @Override
    public synchronized void onSessionClosed(DataSessionId s) {
      closed.add(s);
      offered.remove(s);
    }
  }

  private static final Random SESSIONS = new Random(11);

  private static synchronized DataSessionId randomSession() {
    byte[] b = new byte[DataSessionId.LENGTH];
    SESSIONS.nextBytes(b);
    return DataSessionId.fromBytes(b);
  }

  private static byte[] chunk(int index, int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (index * 31 + i);
    }
    return b;
  }

  private static byte[] request(DataSessionId id, String handshake, int... wants) {
    ChunkRequest.Builder r = ChunkRequest.newBuilder()
        .setSessionId(ByteString.copyFrom(id.bytes()))
        .setHandshake(ByteString.copyFromUtf8(handshake));
    for (int w : wants) {
      r.addWant(w);
    }
    return r.build().toByteArray();
  }

  /** What a call's frames said: accepted, chunks whole (checked), unavailable; then its end. */
  private final class Heard implements WebChunkBatches.Sink {
    final List<String> said = new ArrayList<>();
    private final Map<Integer, ByteArrayOutputStream> partial = new HashMap<>();

    @Override
    public void frame(DataFrame f) {
      switch (f.getKindCase()) {
        case ACCEPTED -> said.add("accepted");
        case UNAVAILABLE -> said.add("unavailable " + f.getUnavailable());
        case CHUNK -> {
          var c = f.getChunk();
          assertThat(c.getData().size()).isBetween(1, 1200);
          ByteArrayOutputStream b = partial.computeIfAbsent(c.getChunkIndex(),
              i -> new ByteArrayOutputStream());
          assertThat(c.getOffset()).as("pieces in order").isEqualTo(b.size());
          b.writeBytes(c.getData().toByteArray());
          int length = chunkLengthOf(c.getChunkIndex());
          if (b.size() == length) {
            assertThat(b.toByteArray()).isEqualTo(chunk(c.getChunkIndex(), length));
            said.add("chunk " + c.getChunkIndex());
            partial.remove(c.getChunkIndex());
          }
        }
        default -> throw new AssertionError(f);
      }
    }

    private int chunkLengthOf(int index) {
      return index == 9 ? 1000 : 16 * 1024;
    }
  }

  private List<String> call(byte[] request) throws IOException {
    Heard heard = new Heard();
    WebChunkBatches.Outcome end = batches.serve(request, REMOTE, heard);
    heard.said.add(end.code() == Status.Code.OK ? "OK" : end.code() + ": " + end.message());
    return heard.said;
  }

  private final PeerId tab = PeerId.fromBytes(new byte[] {0x30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
      12, 13, 14, 15, 16, 17, 18, 19, 20});

  @Test
  void aBatchAnswersEachWantWholeInOrderThenOk() throws Exception {
    DataSessionId id = provider.offer("open", tab);
    assertThat(call(request(id, "open", 2, 9, 0, 5, 10, Integer.MIN_VALUE))).containsExactly(
        "accepted", "chunk 2", "chunk 9", "chunk 0", "unavailable 5", "unavailable 10",
        "unavailable " + Integer.MIN_VALUE, "OK");
    assertThat(provider.accepted).containsExactly(id);
  }

  @Test
  void aSessionIsAcceptedOnceAndHeldToItsHandshake() throws Exception {
    DataSessionId id = provider.offer("open", tab);
    assertThat(call(request(id, "open", 1))).endsWith("chunk 1", "OK");
    assertThat(call(request(id, "open", 3, 4))).containsExactly("accepted", "chunk 3", "chunk 4",
        "OK");
    assertThat(provider.accepted).containsExactly(id);
    assertThat(call(request(id, "other", 1))).containsExactly(
        "UNAUTHENTICATED: session " + id + " was opened with another handshake");

    DataSessionId fresh = provider.offer("open2", tab);
    assertThat(call(request(fresh, "forged", 1))).singleElement().asString()
        .startsWith("UNAUTHENTICATED: the source refused session " + fresh);
    assertThat(call(request(randomSession(), "open", 1))).singleElement().asString()
        .startsWith("FAILED_PRECONDITION: the source knows no session");
  }

  @Test
  void requestsOutsideTheRulesAreRefused() throws Exception {
    DataSessionId id = provider.offer("open", tab);
    assertThat(call(new byte[] {(byte) 0xff, 0x01})).singleElement().asString()
        .startsWith("INVALID_ARGUMENT: not a ChunkRequest");
    assertThat(call(ChunkRequest.newBuilder().setSessionId(ByteString.copyFrom(new byte[8]))
        .addWant(1).build().toByteArray())).containsExactly(
        "INVALID_ARGUMENT: a chunk batch names its session by a 16-byte session_id");
    assertThat(call(request(id, "open"))).containsExactly(
        "INVALID_ARGUMENT: a chunk batch wants at least one chunk");
    assertThat(call(ChunkRequest.newBuilder().mergeFrom(request(id, "open", 1)).addCancel(2)
        .build().toByteArray())).containsExactly(
        "INVALID_ARGUMENT: a chunk batch cancels nothing: abort the call to stop it");
    int[] many = IntStream.range(0, WebChunkBatches.MAX_WANTS + 1).map(i -> i % CHUNKS).toArray();
    assertThat(call(request(id, "open", many))).containsExactly(
        "RESOURCE_EXHAUSTED: more than 64 chunks wanted in one batch");
    assertThat(provider.accepted).as("nothing reached the provider").isEmpty();
    int[] most = IntStream.range(0, WebChunkBatches.MAX_WANTS).map(i -> i % 5).toArray();
    assertThat(call(request(id, "open", most))).hasSize(1 + WebChunkBatches.MAX_WANTS + 1);
  }

  /** A sink that holds the call at its first frame until released. */
  private static WebChunkBatches.Sink held(CountDownLatch in, CountDownLatch release) {
    return f -> {
      in.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  private CompletableFuture<WebChunkBatches.Outcome> hold(byte[] request, CountDownLatch in,
      CountDownLatch release) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return batches.serve(request, REMOTE, held(in, release));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, r -> new Thread(r).start());
  }

  @Test
  void aSessionRunsAtMostFourCallsAtOnceAndTheEndpointSixteen() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    DataSessionId id = provider.offer("open", tab);
    CountDownLatch four = new CountDownLatch(WebChunkBatches.MAX_CALLS_PER_SESSION);
    List<CompletableFuture<WebChunkBatches.Outcome>> running = new ArrayList<>();
    for (int i = 0; i < WebChunkBatches.MAX_CALLS_PER_SESSION; i++) {
      running.add(hold(request(id, "open", i), four, release));
    }
    assertThat(four.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(call(request(id, "open", 7))).containsExactly("RESOURCE_EXHAUSTED: more than 4"
        + " batches of session " + id + " at once");

    int others = WebChunkBatches.MAX_BATCHES - WebChunkBatches.MAX_CALLS_PER_SESSION;
    CountDownLatch rest = new CountDownLatch(others);
    for (int i = 0; i < others; i++) {
      DataSessionId s = provider.offer("open" + i, tab);
      running.add(hold(request(s, "open" + i, 1), rest, release));
    }
    assertThat(rest.await(10, TimeUnit.SECONDS)).isTrue();
    DataSessionId late = provider.offer("late", tab);
    assertThat(call(request(late, "late", 1))).containsExactly(
        "RESOURCE_EXHAUSTED: more than 16 chunk batches at once; retry later");

    release.countDown();
    for (var c : running) {
      assertThat(c.get(10, TimeUnit.SECONDS)).isEqualTo(WebChunkBatches.Outcome.OK);
    }
    assertThat(provider.overlapped).as("the provider's calls never overlapped").isFalse();
    // The counts went back: a fifth call of the first session runs now.
    assertThat(call(request(id, "open", 7))).endsWith("chunk 7", "OK");
  }

  @Test
  void theEndpointHoldsAtMost256SessionsAndAPeer32() throws Exception {
    Random random = new Random(7);
    List<PeerId> peers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      byte[] b = new byte[PeerId.LENGTH];
      random.nextBytes(b);
      b[0] = 0x30;
      peers.add(PeerId.fromBytes(b));
    }
    for (int i = 0; i < WebChunkBatches.MAX_SESSIONS_PER_PEER; i++) {
      DataSessionId s = provider.offer("h" + i, peers.get(0));
      assertThat(call(request(s, "h" + i, 1))).endsWith("OK");
    }
    DataSessionId over = provider.offer("over", peers.get(0));
    assertThat(call(request(over, "over", 1))).singleElement().asString()
        .startsWith("RESOURCE_EXHAUSTED: more than 32 chunk sessions of peer");
    assertThat(provider.closed).as("the refused session was ended at once").containsExactly(over);

    for (int i = WebChunkBatches.MAX_SESSIONS_PER_PEER; i < WebChunkBatches.MAX_SESSIONS; i++) {
      DataSessionId s = provider.offer("h" + i, peers.get(1 + i % 7));
      assertThat(call(request(s, "h" + i, 1))).endsWith("OK");
    }
    assertThat(batches.sessions()).isEqualTo(WebChunkBatches.MAX_SESSIONS);
    DataSessionId more = provider.offer("more", peers.get(7));
    assertThat(call(request(more, "more", 1))).containsExactly(
        "RESOURCE_EXHAUSTED: more than 256 chunk sessions at once; retry later");
  }

  @Test
  void aSessionEndsThirtySecondsAfterItsLastCallAndIsUnknownThen() throws Exception {
    DataSessionId id = provider.offer("open", tab);
    assertThat(call(request(id, "open", 1))).endsWith("OK");
    now[0] += Duration.ofSeconds(29).toNanos();
    assertThat(batches.endIdle()).isZero();
    assertThat(call(request(id, "open", 2))).endsWith("OK"); // a call: idle from its end on
    now[0] += Duration.ofSeconds(29).toNanos();
    assertThat(batches.endIdle()).isZero();
    now[0] += Duration.ofSeconds(1).toNanos();
    assertThat(batches.endIdle()).isEqualTo(1);
    assertThat(provider.closed).containsExactly(id);
    assertThat(call(request(id, "open", 1))).singleElement().asString()
        .startsWith("FAILED_PRECONDITION: the source knows no session " + id);
  }

  @Test
  void aCallerThatWentAwayLeavesNothingCountedAndAStoppedSourceEndsItsBatches() throws Exception {
    DataSessionId id = provider.offer("open", tab);
    for (int i = 0; i < WebChunkBatches.MAX_BATCHES + 1; i++) {
      assertThatThrownBy(() -> batches.serve(request(id, "open", 1), REMOTE, f -> {
        throw new IOException("gone");
      })).isInstanceOf(IOException.class);
    }
    assertThat(call(request(id, "open", 2))).endsWith("chunk 2", "OK");

    CountDownLatch in = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<WebChunkBatches.Outcome> running = hold(request(id, "open", 1, 2), in,
        release);
    assertThat(in.await(10, TimeUnit.SECONDS)).isTrue();
    batches.close();
    release.countDown();
    assertThat(running.get(10, TimeUnit.SECONDS).code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(provider.closed).containsExactly(id);
    assertThat(call(request(id, "open", 1))).containsExactly(
        "UNAVAILABLE: the source stopped serving");
  }
}
