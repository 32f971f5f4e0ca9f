package io.loudp2p.transport.grpc.testing;

import com.google.protobuf.ByteString;
import com.sun.management.HotSpotDiagnosticMXBean;
import io.grpc.ManagedChannel;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.wire.Envelopes;
import io.loudp2p.transport.grpc.testing.RawCalls.Answer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


/**
 * A seeded fuzzer that attacks a running peer over real gRPC and counts the status of every answer,
 * per method: every control method of {@code loudp2p.v1.Loudp2p} on the peer's control endpoint,
 * and {@code FetchChunks} on the data endpoint a valid {@code StreamAccept} names.
 *
 * <p>Each case draws from its own {@link Random}, seeded from the run's seed, the method and the
 * case number, so a case is the same whatever ran beside it (only timestamps follow the clock).
 * What a control case sends: random bytes; one to four mutations of a valid signed request (bit
 * flips, truncation, splicing, duplicated fields, over-long varints), some re-signed so that they
 * pass the signature and reach the payload parser; envelopes with edge signatures, keys,
 * timestamps, nonces and senders; and validly signed envelopes whose bodies are structurally valid
 * messages with extreme field values, sent to the method they fit and to others. A FetchChunks
 * case opens a session (or not), sends a first request that is garbage, mutated, random or valid,
 * then random follow-ups with wants and cancels of extreme indexes, waits for every chunk it still
 * wants to be answered, and half-closes.
 *
 * <p>Senders change every {@value #CASES_PER_IDENTITY} cases of a method (every case of {@code
 * CheckReachability}, which a peer answers once a minute per asker), so the per-peer rate limit
 * answers some requests but not all. The warm-up cases, run before the heap is first measured,
 * each have a sender of their own: they fill what the peer keeps per sender (decoded keys, records,
 * rate-limit buckets) towards its bounds, so that what the heap gains afterwards is what stays. Every record the fuzzer signs lists only a loopback port that
 * refuses connections (or a malformed address), so the peer under attack dials nothing else.
 *
 * <p>What must hold, and what {@link FuzzReport#failures()} lists otherwise: no {@code INTERNAL} and no
 * {@code UNKNOWN} status; every call ends with a status before its deadline ({@code
 * DEADLINE_EXCEEDED} or no status at all is a hang); every {@code OK} answer is an envelope signed by
 * the peer with the body the method answers with (FetchChunks: well-formed frames, {@code accepted}
 * first); every chunk still wanted on an open session is answered (with the chunk or {@code
 * unavailable}); a validly signed request whose body belongs to another method is refused as {@code
 * WRONG_METHOD} (the transport routes by the method and core checks the body after the signature);
 * every {@code UNAUTHENTICATED} status names the rejection rule that failed; and the peer still
 * answers valid requests at the end. The report also carries the
 * used heap after full collections after the warm-up, at each tenth of the run and at its end,
 * and live instances of per-call classes, for the caller to judge. With the system property
 * {@code loudp2p.fuzz.heapDump} set to a file name, the run ends by dumping its live heap there.
 */
public final class ControlPlaneFuzzer implements AutoCloseable {
  /** Cases of one method sent by one identity before the next takes over. */
  public static final int CASES_PER_IDENTITY = 150;

  /** Classes that exist once per call or session: live counts that must not grow with the cases. */
  public static final String[] PER_CALL_CLASSES = {
      "GrpcDataTransport$SourceSession", "GrpcControlTransport$Responder",
      "io.grpc.internal.ServerCallImpl", "NettyServerStream", "Http2Stream"};

  /** What a run does. */
  public record Options(long seed, int casesPerMethod, int concurrency, Duration callDeadline,
      Duration answerWait, int warmupCasesPerMethod) {
    public Options {
      if (casesPerMethod < 1 || concurrency < 1 || warmupCasesPerMethod < 0
          || warmupCasesPerMethod > casesPerMethod) {
        throw new IllegalArgumentException("bad fuzz options");
      }
    }

    /** {@code cases} per method, 16 at once, 10 s deadlines, 1 s to answer each want. */
    public static Options of(long seed, int casesPerMethod) {
      return new Options(seed, casesPerMethod, 16, Duration.ofSeconds(10), Duration.ofSeconds(1),
          Math.max(1, casesPerMethod / 20));
    }

    public Options withConcurrency(int n) {
      return new Options(seed, casesPerMethod, n, callDeadline, answerWait, warmupCasesPerMethod);
    }

    public Options withAnswerWait(Duration wait) {
      return new Options(seed, casesPerMethod, concurrency, callDeadline, wait, warmupCasesPerMethod);
    }
  }

  /** Identities of the warm-up cases start here: none is a sender of a counted case. */
  private static final int WARMUP_SENDERS = 100_000_000;
  /**
   * Largest control request a peer reads (PROTOCOL.md section 5: 1 MiB). A larger one goes on a
   * connection of its own: the peer refuses it from its length prefix, unread, and the bytes of
   * its rest must not hold up other cases' calls on a shared connection.
   */
  static final int MAX_CONTROL_REQUEST_BYTES = 1 << 20;
  /** Heap samples taken along the counted cases, besides the first and the last. */
  private static final int HEAP_SAMPLES = 10;

  private final FuzzTarget target;
  final Options options;
  final FuzzReport report = new FuzzReport();
  private final Socket refusing;
  private final ManagedChannel control;
  private final ControlCases controls;
  private final FetchCases fetch;
  // Bounded, like everything the harness keeps: the heap it measures is the peer's and its own.
  private final Map<Integer, Identity> identityCache = recent(512);
  private final Map<PeerId, Envelope> records = recent(512);
  private final long recordsExpireMs = System.currentTimeMillis() + TimeUnit.HOURS.toMillis(20);

  /** A synchronized map that keeps the {@code n} entries used last. */
  private static <K, V> Map<K, V> recent(int n) {
    return Collections.synchronizedMap(new LinkedHashMap<>(2 * n, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > n;
      }
    });
  }

  public ControlPlaneFuzzer(FuzzTarget target, Options options) throws IOException {
    this.target = target;
    this.options = options;
    // Bound, never listening: a connection to it is refused at once.
    this.refusing = new Socket();
    refusing.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.control = RawCalls.channel(target.control());
    this.controls = new ControlCases(this, target.peer().id());
    this.fetch = new FetchCases(this, target);
  }

  /** Identity {@code n} of this run: the same for the same seed. */
  Identity identity(int n) {
    return identityCache.computeIfAbsent(n, k -> {
      MessageDigest sha = sha256();
      sha.update("fuzz identity".getBytes(StandardCharsets.US_ASCII));
      sha.update(ByteBuffer.allocate(12).putLong(options.seed()).putInt(k).array());
      byte[] secret = sha.digest();
      secret[0] &= 0x7f; // below the curve order
      return Identity.fromPrivateKey(secret);
    });
  }

  /** The plain record of {@code who}, signed once: FULL mostly, LIGHT for one identity in four. */
  private Envelope recordOf(Identity who) {
    return records.computeIfAbsent(who.peerId(), id -> {
      boolean light = (id.bytes()[20] & 3) == 0;
      return FuzzInputs.sign(who, Envelopes.PEER_RECORD_DOMAIN.getBytes(StandardCharsets.US_ASCII),
          io.loudp2p.core.proto.v1.PeerRecordPayload.newBuilder()
              .setPeerId(ByteString.copyFrom(id.bytes()))
              .setRecord(io.loudp2p.core.proto.v1.PeerRecord.newBuilder().setSequence(1)
                  .setExpiresAtMs(recordsExpireMs)
                  .setRole(light ? io.loudp2p.core.proto.v1.Role.ROLE_LIGHT
                      : io.loudp2p.core.proto.v1.Role.ROLE_FULL)
                  .addEndpoints(io.loudp2p.core.proto.v1.Endpoint.newBuilder()
                      .setTransport(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_GRPC)
                      .setIp(ByteString.copyFrom(new byte[] {127, 0, 0, 1}))
                      .setPort(refusing.getLocalPort())))
              .build().toByteArray());
    });
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }


  /** The inputs of case {@code k} of {@code m}: the same for the same seed, method and case. */
  FuzzInputs inputs(Method m, long k) {
    long s = options.seed() * 0x9E3779B97F4A7C15L + m.ordinal() * 0xC2B2AE3D27D4EB4FL
        + k * 0x165667B19E3779F9L;
    return new FuzzInputs(new Random(s), System.currentTimeMillis(), target.trackId(),
        refusing.getLocalPort(), new FuzzInputs.Identities() {
          @Override
          public Identity get(int n) {
            return identity(n);
          }

          @Override
          public Envelope recordOf(Identity who) {
            return ControlPlaneFuzzer.this.recordOf(who);
          }
        });
  }

  /**
   * Runs every case, then checks that the peer still serves; measures the heap after the warm-up
   * cases, at each tenth of the rest, and once the peer let go of the last calls.
   */
  public FuzzReport run() throws Exception {
    long start = System.nanoTime();
    fetch.learnDataEndpoint();
    int methods = Method.values().length;
    int warmup = options.warmupCasesPerMethod() * methods;
    int to = options.casesPerMethod() * methods;
    runCases(0, warmup);
    report.heap.add(new FuzzReport.HeapSample(warmup, LiveHeap.usedAfterGc()));
    report.liveBefore = LiveHeap.liveInstances(PER_CALL_CLASSES);
    Map<String, Long> bytesBefore = LiveHeap.liveBytes();
    int from = warmup;
    for (int i = 1; i <= HEAP_SAMPLES; i++) {
      int until = warmup + (int) ((long) (to - warmup) * i / HEAP_SAMPLES);
      runCases(from, until);
      from = until;
      if (i < HEAP_SAMPLES) {
        report.heap.add(new FuzzReport.HeapSample(until, LiveHeap.usedAfterGc()));
      }
    }
    report.health = checkHealth();
    report.liveAfter = settledLive();
    report.heap.add(new FuzzReport.HeapSample(to, LiveHeap.usedAfterGc()));
    report.grewMost = FuzzReport.grewMost(bytesBefore, LiveHeap.liveBytes(), 8);
    report.seconds = (System.nanoTime() - start) / 1e9;
    String dump = System.getProperty("loudp2p.fuzz.heapDump");
    if (dump != null && !dump.isBlank()) {
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(dump, true);
    }
    return report;
  }

  /** Live per-call objects once the server has let go of the calls that ended (bounded wait). */
  private Map<String, Long> settledLive() throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    Map<String, Long> live = LiveHeap.liveInstances(PER_CALL_CLASSES);
    Object monitor = new Object();
    while (System.nanoTime() < until && live.values().stream().anyMatch(n -> n > options.concurrency())) {
      synchronized (monitor) {
        monitor.wait(200); // nothing notifies: a bounded pause between looks at the heap
      }
      live = LiveHeap.liveInstances(PER_CALL_CLASSES);
    }
    return live;
  }


  private void runCases(int from, int to) throws Exception {
    AtomicInteger next = new AtomicInteger(from);
    Method[] all = Method.values();
    ExecutorService workers = Executors.newFixedThreadPool(options.concurrency(), r -> {
      Thread t = new Thread(r, "fuzz-worker");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < options.concurrency(); w++) {
        running.add(workers.submit(() -> {
          for (int i = next.getAndIncrement(); i < to; i = next.getAndIncrement()) {
            Method m = all[i % all.length];
            int k = i / all.length;
            try {
              if (m == Method.FETCH_CHUNKS) {
                fetch.run(k);
              } else {
                controls.run(m, k);
              }
            } catch (RuntimeException | InterruptedException e) {
              report.count(m, "!HARNESS_ERROR", 0);
              report.example(m, "!HARNESS_ERROR", "case " + k + ": " + e);
              if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return null;
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get();
      }
    } finally {
      workers.shutdownNow();
    }
  }

  /**
   * The sender of case {@code k} of {@code m}. A reachability check is answered once a minute per
   * asker, so each of those cases has a sender of its own; so has each warm-up case.
   */
  Identity sender(Method m, int k) {
    if (k < options.warmupCasesPerMethod()) {
      return identity(WARMUP_SENDERS + m.ordinal() * 1_000_000 + k);
    }
    int block = m == Method.CHECK_REACHABILITY ? k : k / CASES_PER_IDENTITY;
    return identity(m.ordinal() * 1_000_000 + block);
  }

  /** Sends one control request to the peer; one past the size limit on a connection of its own. */
  Answer call(Method m, byte[] request) throws InterruptedException {
    if (request.length <= MAX_CONTROL_REQUEST_BYTES) {
      return RawCalls.call(control, m, request, options.callDeadline());
    }
    ManagedChannel own = RawCalls.channel(target.control());
    try {
      return RawCalls.call(own, m, request, options.callDeadline());
    } finally {
      own.shutdownNow();
    }
  }

  /** Valid requests of a new sender, one per kind, and what was wrong with their answers. */
  public List<String> checkHealth() throws InterruptedException {
    List<String> problems = new ArrayList<>();
    Identity me = identity(Integer.MAX_VALUE - 1);
    FuzzInputs in = inputs(Method.EXCHANGE_PEERS, -2);
    for (Method m : Method.CONTROL) {
      Payload.Builder body;
      if (m == Method.SEARCH) {
        body = Payload.newBuilder().setSearchQuery(SearchQuery.newBuilder()
            .setQueryId(ByteString.copyFrom(in.bytesOfLength(16))).addTerms("fuzzsong").setTtl(0));
      } else if (m == Method.GET_MANIFEST) {
        body = Payload.newBuilder().setManifestRequest(
            io.loudp2p.core.proto.v1.ManifestRequest.newBuilder().setTrackId(in.realTrack()));
      } else if (m == Method.OPEN_STREAM) {
        continue; // below, with the data stream it opens
      } else if (m == Method.CHECK_REACHABILITY) {
        continue; // one a minute per asker, and its dial-back depends on the asker
      } else {
        body = in.sensibleBody(m, me);
      }
      byte[] request = in.signMessage(me, in.stamp(body, me).build().toByteArray()).toByteArray();
      Answer a = call(m, request);
      if (a.status() == null || !a.status().isOk()) {
        problems.add(m.grpcName() + " answered " + (a.status() == null ? "nothing" : a.status()));
      } else {
        String problem = controls.checkAnswers(m, a.messages());
        if (problem != null) {
          problems.add(m.grpcName() + ": " + problem);
        } else if (m == Method.SEARCH && a.messages().isEmpty()) {
          problems.add("Search for the shared track found nothing");
        }
      }
    }
    String problem = fetch.checkHealth(in, me);
    if (problem != null) {
      problems.add(problem);
    }
    return problems;
  }

  @Override
  public void close() throws IOException {
    control.shutdownNow();
    fetch.close();
    refusing.close();
  }
}
