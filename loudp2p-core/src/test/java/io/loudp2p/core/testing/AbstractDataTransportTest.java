package io.loudp2p.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.core.stream.internal.ChunkBuffer;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance test every {@link DataTransport} passes: a subclass supplies the transports and
 * inherits the tests.
 *
 * <p>A source serves tracks from a {@link ChunkProvider}; a receiver opens sessions, requests
 * chunks and reassembles them with a {@link ChunkBuffer}. Every wait is bounded by {@link
 * #timeout()}; nothing sleeps. A lossy transport passes because the helper re-requests chunks
 * still missing after {@link #rerequestAfter()}, as the scheduler does.
 */
public abstract class AbstractDataTransportTest {
  /** The chunk size of the tracks served here. */
  protected static final int CHUNK_SIZE = 16 * 1024;

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private static final Map<DataSessionId, DataOffer> offers = new ConcurrentHashMap<>();

  /** A new transport for the source side; closed by this test. */
  protected abstract DataTransport newSourceTransport() throws Exception;

  /** A new transport for the receiver side; closed by this test. */
  protected abstract DataTransport newReceiverTransport() throws Exception;

  /** The address a source binds (with port 0 for a free port). */
  protected abstract InetSocketAddress bindAddress();

  /** The bound on every wait. */
  protected Duration timeout() {
    return Duration.ofSeconds(10);
  }

  /** How long to wait for requested chunks before asking again for the missing ones. */
  /**
   * Whether the transport asks for the chunks given to {@link DataTransport#open(
   * InetSocketAddress, DataSessionId, byte[], byte[], int[], DataSession.Listener)} in the
   * opening itself, so that they come with no request after it.
   */
  protected boolean asksFirstWantsInTheOpening() {
    return false;
  }

  protected Duration rerequestAfter() {
    return Duration.ofSeconds(2);
  }

  /**
   * How many fragments of cancelled chunks may still arrive after the cancel (those already in
   * flight).
   */
  protected int cancelSlackFragments() {
    return 64;
  }

  @AfterEach
  public void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    toClose.add(c);
    return c;
  }

  private <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  // ------------------------------------------------------------------ fixtures

  private static DataSessionId sessionId(Random random) {
    byte[] b = new byte[DataSessionId.LENGTH];
    random.nextBytes(b);
    return DataSessionId.fromBytes(b);
  }

  private static byte[] track(Random random, int length) {
    byte[] t = new byte[length];
    random.nextBytes(t);
    return t;
  }

  /** A source transport serving {@code provider}. */
  private DataServer serve(ChunkProvider provider) throws Exception {
    DataTransport source = closeLater(newSourceTransport());
    return closeLater(await(source.serve(bindAddress(), provider)));
  }

  private DataSession open(DataTransport receiverTransport, DataServer server, DataSessionId id,
      DataReceiver receiver) throws Exception {
    return closeLater(await(openFuture(receiverTransport, server, id, DataTrackProvider.handshakeFor(id), receiver)));
  }

  /** The three steps of setting up a session: receiver key, source offer, open with the offer. */
  private static CompletableFuture<DataSession> openFuture(DataTransport receiverTransport,
      DataServer server, DataSessionId id, byte[] handshake, DataReceiver receiver) {
    return openFuture(receiverTransport, server, id, handshake, new int[0], receiver);
  }

  /** {@link #openFuture}, asking for {@code firstWants} in the opening. */
  private static CompletableFuture<DataSession> openFuture(DataTransport receiverTransport,
      DataServer server, DataSessionId id, byte[] handshake, int[] firstWants,
      DataReceiver receiver) {
    byte[] receiverKey = receiverTransport.prepare(id);
    DataOffer offer = server.prepare(id, receiverKey);
    offers.put(id, offer);
    return receiverTransport.open(offer.endpoint(), id, handshake, offer.publicKey(), firstWants,
        receiver);
  }

  /** Requests {@code chunks} and waits until all are verified, asking again for missing ones. */
  private void fetch(DataSession session, DataReceiver receiver, int... chunks) throws Exception {
    for (int c : chunks) {
      session.request(c);
    }
    long deadline = System.nanoTime() + timeout().toNanos();
    while (true) {
      List<CompletableFuture<Void>> waits = new ArrayList<>();
      for (int c : chunks) {
        waits.add(DataReceiver.chunk(receiver.verified, c));
      }
      try {
        CompletableFuture.allOf(waits.toArray(new CompletableFuture<?>[0]))
            .get(rerequestAfter().toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("chunks still missing after " + timeout(), e);
        }
        for (int c : chunks) {
          if (!DataReceiver.chunk(receiver.verified, c).isDone()) {
            session.request(c);
          }
        }
      }
    }
  }

  private static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }

  private static byte[] readAll(InputStream in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }

  // ------------------------------------------------------------------ the tests

  @Test
  public void deliversEveryByteOfATrack() throws Exception {
    Random random = new Random(101);
    DataTrackProvider provider = new DataTrackProvider();
    DataSessionId id = sessionId(random);
    byte[] track = track(random, 40 * CHUNK_SIZE + 4321);
    provider.add(id, track);
    DataServer server = serve(provider);
    DataReceiver receiver = new DataReceiver(track);
    DataSession session = open(closeLater(newReceiverTransport()), server, id, receiver);
    assertThat(session.id()).isEqualTo(id);
    // The session's remote is the endpoint the source offered: the server's address, or for a
    // transport with a socket per session, that socket's address on the server's IP.
    assertThat(session.remote()).isEqualTo(offers.get(id).endpoint());
    assertThat(session.remote().getAddress()).isEqualTo(server.address().getAddress());

    fetch(session, receiver, range(0, receiver.chunkCount()));

    assertThat(readAll(receiver.buffer.inputStream())).isEqualTo(track);
    receiver.assertContractKept();
  }

  @Test
  public void chunksAskedInTheOpeningComeWithNoRequestAfterIt() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(asksFirstWantsInTheOpening(),
        "this transport does not ask for chunks in the opening");
    Random random = new Random(103);
    DataTrackProvider provider = new DataTrackProvider();
    DataSessionId id = sessionId(random);
    byte[] track = track(random, 5 * CHUNK_SIZE);
    provider.add(id, track);
    DataServer server = serve(provider);
    DataReceiver receiver = new DataReceiver(track);
    closeLater(await(openFuture(closeLater(newReceiverTransport()), server, id,
        DataTrackProvider.handshakeFor(id), new int[] {0, 1}, receiver)));
    CompletableFuture.allOf(DataReceiver.chunk(receiver.verified, 0),
        DataReceiver.chunk(receiver.verified, 1)).get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    receiver.assertContractKept();
  }

  @Test
  public void fragmentsNeverExceedTheDatagramPayload() throws Exception {
    Random random = new Random(102);
    DataTrackProvider provider = new DataTrackProvider();
    DataSessionId id = sessionId(random);
    byte[] track = track(random, 8 * CHUNK_SIZE);
    provider.add(id, track);
    DataServer server = serve(provider);
    DataReceiver receiver = new DataReceiver(track);
    DataSession session = open(closeLater(newReceiverTransport()), server, id, receiver);

    fetch(session, receiver, range(0, receiver.chunkCount()));

    assertThat(receiver.largestFragment.get())
        .isPositive()
        .isLessThanOrEqualTo(DataTransport.MAX_FRAGMENT_PAYLOAD);
    assertThat(receiver.fragments.get())
        .isGreaterThanOrEqualTo(
            receiver.chunkCount()
                * ((CHUNK_SIZE + DataTransport.MAX_FRAGMENT_PAYLOAD - 1)
                    / DataTransport.MAX_FRAGMENT_PAYLOAD));
    assertThat(receiver.buffer.stats().malformedFragments()).isZero();
    receiver.assertContractKept();
  }

  @Test
  public void reportsAnUnavailableChunkInsteadOfHanging() throws Exception {
    Random random = new Random(103);
    DataTrackProvider provider = new DataTrackProvider();
    provider.missing.add(2);
    DataSessionId id = sessionId(random);
    byte[] track = track(random, 4 * CHUNK_SIZE);
    provider.add(id, track);
    DataServer server = serve(provider);
    DataReceiver receiver = new DataReceiver(track);
    DataSession session = open(closeLater(newReceiverTransport()), server, id, receiver);

    assertThatThrownBy(() -> session.request(-1))
        .isInstanceOf(IllegalArgumentException.class);
    session.request(2);
    session.request(4); // past the end of the track
    await(DataReceiver.chunk(receiver.unavailable, 2));
    await(DataReceiver.chunk(receiver.unavailable, 4));
    // The session still works.
    fetch(session, receiver, 3);
    assertThat(receiver.verified).doesNotContainKey(2);
    receiver.assertContractKept();
  }

  @Test
  public void cancelStopsDelivery() throws Exception {
    Random random = new Random(104);
    DataTrackProvider provider = new DataTrackProvider();
    DataSessionId id = sessionId(random);
    int chunks = 66;
    int starter = chunks - 2;
    int sentinel = chunks - 1;
    byte[] track = track(random, chunks * CHUNK_SIZE);
    provider.add(id, track);
    DataServer server = serve(provider);
    AtomicReference<DataSession> sessionRef = new AtomicReference<>();
    AtomicBoolean requested = new AtomicBoolean();
    AtomicBoolean cancelled = new AtomicBoolean();
    AtomicLong afterCancel = new AtomicLong();
    // Requests and cancels are issued from callbacks, so that they reach the source while it is
    // sending, whatever the transport's threading.
    DataReceiver receiver =
        new DataReceiver(track) {
          @Override
          public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
            super.onFragment(chunkIndex, offset, data);
            DataSession s = sessionRef.get();
            if (chunkIndex == starter && requested.compareAndSet(false, true)) {
              for (int c = 0; c < starter; c++) {
                s.request(c);
              }
            } else if (chunkIndex < starter) {
              if (cancelled.compareAndSet(false, true)) {
                for (int c = 0; c < starter; c++) {
                  s.cancel(c);
                }
                s.request(sentinel);
              } else {
                afterCancel.incrementAndGet();
              }
            }
          }
        };
    DataSession session =
        closeLater(
            await(openFuture(closeLater(newReceiverTransport()), server, id, DataTrackProvider.handshakeFor(id),
                receiver)));
    sessionRef.set(session);

    session.request(starter);
    await(DataReceiver.chunk(receiver.verified, sentinel));

    assertThat(cancelled).isTrue();
    assertThat(afterCancel.get()).isLessThanOrEqualTo(cancelSlackFragments());
    assertThat(receiver.verified.keySet().stream().filter(c -> c < starter).count())
        .as("cancelled chunks completed")
        .isLessThan(starter);
    receiver.assertContractKept();
  }

  @Test
  public void concurrentSessionsAreIndependent() throws Exception {
    Random random = new Random(105);
    DataTrackProvider provider = new DataTrackProvider();
    DataSessionId idA = sessionId(random);
    DataSessionId idB = sessionId(random);
    byte[] trackA = track(random, 12 * CHUNK_SIZE + 1);
    byte[] trackB = track(random, 9 * CHUNK_SIZE + 999);
    provider.add(idA, trackA);
    provider.add(idB, trackB);
    DataServer server = serve(provider);
    DataReceiver a = new DataReceiver(trackA);
    DataReceiver b = new DataReceiver(trackB);
    DataSession sessionA = open(closeLater(newReceiverTransport()), server, idA, a);
    DataSession sessionB = open(closeLater(newReceiverTransport()), server, idB, b);

    CompletableFuture<Void> fetchA = new CompletableFuture<>();
    Thread threadA =
        new Thread(
            () -> {
              try {
                fetch(sessionA, a, range(0, a.chunkCount()));
                fetchA.complete(null);
              } catch (Throwable e) {
                fetchA.completeExceptionally(e);
              }
            },
            "fetch-a");
    threadA.start();
    fetch(sessionB, b, range(0, b.chunkCount()));
    await(fetchA);
    threadA.join(timeout().toMillis());

    assertThat(readAll(a.buffer.inputStream())).isEqualTo(trackA);
    assertThat(readAll(b.buffer.inputStream())).isEqualTo(trackB);

    // Closing one session leaves the other working.
    sessionA.close();
    assertThat(await(a.closed)).isEqualTo(DataSession.CloseReason.LOCAL_CLOSE);
    await(provider.closed.get(idA));
    DataReceiver again = new DataReceiver(trackB);
    DataSession sessionB2 = open(closeLater(newReceiverTransport()), server, idB, again);
    fetch(sessionB2, again, 0, 1);
    fetch(sessionB, b, 0);
    assertThat(b.closed).isNotDone();
    a.assertContractKept();
    b.assertContractKept();
  }

  @Test
  public void closingTheSourceEndsTheReceiversSession() throws Exception {
    Random random = new Random(106);
    DataTrackProvider provider = new DataTrackProvider();
    DataSessionId id = sessionId(random);
    byte[] track = track(random, 3 * CHUNK_SIZE);
    provider.add(id, track);
    DataServer server = serve(provider);
    DataReceiver receiver = new DataReceiver(track);
    DataSession session = open(closeLater(newReceiverTransport()), server, id, receiver);
    fetch(session, receiver, 0);

    server.close();

    assertThat(await(receiver.closed)).isEqualTo(DataSession.CloseReason.SOURCE_CLOSED);
    await(provider.closed.get(id));
    session.close();
    session.request(1);
    assertThat(receiver.closeCalls.get()).isEqualTo(1);
    receiver.assertContractKept();
  }

  @Test
  public void closingTheSessionEndsItOnceOnBothSides() throws Exception {
    Random random = new Random(107);
    DataTrackProvider provider = new DataTrackProvider();
    DataSessionId id = sessionId(random);
    byte[] track = track(random, 3 * CHUNK_SIZE);
    provider.add(id, track);
    DataServer server = serve(provider);
    DataReceiver receiver = new DataReceiver(track);
    DataSession session = open(closeLater(newReceiverTransport()), server, id, receiver);
    fetch(session, receiver, 0);

    session.close();
    session.close();

    assertThat(await(receiver.closed)).isEqualTo(DataSession.CloseReason.LOCAL_CLOSE);
    await(provider.closed.get(id));
    server.close();
    assertThat(receiver.closeCalls.get()).isEqualTo(1);
    receiver.assertContractKept();
  }

  @Test
  public void refusedSessionFailsToOpen() throws Exception {
    Random random = new Random(108);
    DataTrackProvider provider = new DataTrackProvider();
    DataSessionId known = sessionId(random);
    provider.add(known, track(random, CHUNK_SIZE));
    DataServer server = serve(provider);
    DataTransport receiverTransport = closeLater(newReceiverTransport());
    DataReceiver receiver = new DataReceiver(new byte[CHUNK_SIZE]);

    CompletableFuture<DataSession> unknown =
        openFuture(receiverTransport, server, sessionId(random), new byte[0], receiver);
    CompletableFuture<DataSession> badHandshake =
        openFuture(receiverTransport, server, known, new byte[] {1, 2, 3}, receiver);

    // A transport that can tell says the session is unknown; a refused handshake is refused.
    assertThatThrownBy(() -> await(unknown))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ControlException.class)
        .extracting(e -> ((ControlException) e).code())
        .isIn(ControlErrorCode.NOT_FOUND, ControlErrorCode.UNAUTHENTICATED);
    assertThatThrownBy(() -> await(badHandshake))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ControlException.class)
        .extracting(e -> ((ControlException) e).code())
        .isEqualTo(ControlErrorCode.UNAUTHENTICATED);
    assertThat(provider.accepted.get()).isZero();
  }
}
