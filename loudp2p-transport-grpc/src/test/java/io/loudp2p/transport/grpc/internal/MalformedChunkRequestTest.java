package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loudp2p.core.testing.Await;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.transport.grpc.internal.ChunkEndpoint.RawStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** FetchChunks calls whose requests do not parse: refused, counted, and forgotten. */
class MalformedChunkRequestTest {
  private static final Logger log = LoggerFactory.getLogger(MalformedChunkRequestTest.class);

  /** Field 1 (session_id) claims five bytes and brings one: not a ChunkRequest. */
  static final byte[] UNPARSEABLE = {0x0a, 0x05, 0x01};
  /** The attacker's second message. */
  static final byte[] SECOND = {(byte) 0xff, (byte) 0xff};
  /** Calls in flight at once: as many as one connection may have before their handshakes. */
  private static final int BATCH = ChunkStreamSource.MAX_UNIDENTIFIED_PER_CLIENT;

  private ChunkEndpoint endpoint;

  @BeforeEach
  void setUp() throws Exception {
    endpoint = new ChunkEndpoint(4);
  }

  @AfterEach
  void tearDown() throws Exception {
    endpoint.close();
  }

  /**
   * Sends {@code calls} malformed calls, {@link #BATCH} at a time; how many ended with each code
   * (counts only: the statuses themselves would be heap this test holds).
   */
  private Map<Status.Code, Integer> attack(ManagedChannel channel, int calls) throws Exception {
    Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
    for (int done = 0; done < calls; done += BATCH) {
      List<RawStream> batch = new ArrayList<>();
      for (int i = 0; i < Math.min(BATCH, calls - done); i++) {
        batch.add(RawStream.open(channel, true).send(UNPARSEABLE).send(SECOND));
      }
      for (RawStream s : batch) {
        codes.merge(s.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).getCode(), 1,
            Integer::sum);
      }
    }
    return codes;
  }

  private static long heapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    // Several collections: the least of them is what is really retained.
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  @Test
  void unparseableRequestsAreAnsweredInvalidArgumentCountedAndLoggedAtALimitedRate()
      throws Exception {
    int calls = 500;
    RawStream first = RawStream.open(endpoint.channel(), true).send(UNPARSEABLE).send(SECOND);
    Status status = first.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("not a ChunkRequest");

    assertThat(attack(endpoint.channel(), calls - 1))
        .isEqualTo(Map.of(Status.Code.INVALID_ARGUMENT, calls - 1));
    ChunkStreamSource source = endpoint.source();
    assertThat(source.malformedRequests()).isEqualTo(calls);
    // The run takes well under a minute: one line, perhaps a second as an interval turns over.
    assertThat(source.malformedLogLines()).isBetween(1L, 2L);

    // A well-formed session from the same address is still served.
    DataSessionId id = endpoint.provider.session(ChunkEndpoint.peer(1));
    RawStream good = RawStream.open(endpoint.channel(), true)
        .send(ChunkEndpoint.handshake(id, 0));
    Await.until(() -> good.bytesOf(0) == ChunkEndpoint.CHUNK, WAIT, "chunk 0 delivered");
  }

  @Test
  void aRequestOverTheSizeLimitIsRefusedBeforeItIsParsed() throws Exception {
    DataSessionId id = endpoint.provider.session(ChunkEndpoint.peer(1));
    byte[] huge = ChunkEndpoint.handshake(id).toBuilder()
        .setHandshake(com.google.protobuf.ByteString.copyFrom(
            new byte[ChunkStreamSource.MAX_CHUNK_REQUEST_BYTES]))
        .build().toByteArray();
    RawStream s = RawStream.open(endpoint.channel(), true).send(huge);

    Status status = s.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    ChunkStreamSource source = endpoint.source();
    Await.until(() -> source.liveSessions() == 0 && source.openCalls() == 0, WAIT,
        "the refused call freed");
  }

  @Test
  void requestsOverTheSizeLimitAreCountedNotLoggedEachWithAStackTrace() throws Exception {
    List<java.util.logging.LogRecord> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler handler = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        logged.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    java.util.logging.Logger grpc = java.util.logging.Logger.getLogger(OversizeMessages.GRPC_LOGGER);
    grpc.addHandler(handler);
    try {
      OversizeMessages counter = OversizeMessages.install();
      long refusedBefore = counter.refused();
      long linesBefore = counter.lines();
      byte[] huge = new byte[2 * ChunkStreamSource.MAX_CHUNK_REQUEST_BYTES + 100];
      int calls = 20;
      for (int i = 0; i < calls; i++) {
        RawStream s = RawStream.open(endpoint.channel(), true).send(huge);
        assertThat(s.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).getCode())
            .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      }
      Await.until(() -> counter.refused() - refusedBefore == calls, WAIT, "every message counted");
      assertThat(logged).as("gRPC's own warnings with stack traces").isEmpty();
      // Twenty refusals well within the interval: at most one line of ours.
      assertThat(counter.lines() - linesBefore).isLessThanOrEqualTo(1);
    } finally {
      grpc.removeHandler(handler);
    }
  }

  @Test
  void malformedCallsLeaveNoSessionCallOrHeapBehind() throws Exception {
    ManagedChannel channel = endpoint.channel();
    ChunkStreamSource source = endpoint.source();
    // Warm-up: classes loaded, code compiled, pools and buffers at their working size.
    attack(channel, 2000);
    Await.until(() -> source.liveSessions() == 0, WAIT, "no live session after warm-up");
    long before = heapAfterGc();

    int calls = 4000;
    Map<Status.Code, Integer> codes = attack(channel, calls);

    assertThat(codes).isEqualTo(Map.of(Status.Code.INVALID_ARGUMENT, calls));
    Await.until(() -> source.liveSessions() == 0, WAIT,
        "live sessions back to 0, not " + source.liveSessions());
    Await.until(() -> source.openCalls() == 0, WAIT,
        "server calls back to 0, not " + source.openCalls());
    long after = heapAfterGc();
    long growth = after - before;
    log.info("heap after GC: {} KiB before {} malformed calls, {} KiB after ({} bytes a call)",
        before / 1024, calls, after / 1024, growth / calls);
    // 3 KB a call was the leak; what is left must be far below that (noise of the collector).
    assertThat(growth).isLessThan(calls * 256L);
  }
}
