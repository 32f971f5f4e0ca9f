package io.loudp2p.transport.grpc.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.SearchResult;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.PublicKey;
import io.loudp2p.core.proto.v1.ChunkRequest;
import io.loudp2p.core.proto.v1.DataFrame;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.proto.v1.StreamAccept;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.core.wire.Envelopes;
import io.loudp2p.core.wire.RejectReason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

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
 * answers some requests but not all. Every record the fuzzer signs lists only a loopback port that
 * refuses connections (or a malformed address), so the peer under attack dials nothing else.
 *
 * <p>What must hold, and what {@link Report#failures()} lists otherwise: no {@code INTERNAL} and no
 * {@code UNKNOWN} status; every call ends with a status before its deadline ({@code
 * DEADLINE_EXCEEDED} or no status at all is a hang); every {@code OK} answer is an envelope signed by
 * the peer with the body the method answers with (FetchChunks: well-formed frames, {@code accepted}
 * first); every chunk still wanted on an open session is answered (with the chunk or {@code
 * unavailable}); a validly signed request whose body belongs to another method is refused as {@code
 * WRONG_METHOD} (the transport routes by the method and core checks the body after the signature);
 * every {@code UNAUTHENTICATED} status names the rejection rule that failed; and the peer still
 * answers valid requests at the end. The report also carries the
 * used heap after full collections before and after the run, and live instances of per-call
 * classes, for the caller to judge.
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

  // -----------------------------------------------------------------------------------------------
  // The target
  // -----------------------------------------------------------------------------------------------

  /** A started peer sharing one folder with a small test track, to be attacked. */
  public static final class Target implements AutoCloseable {
    /** The track's file name; untagged, so its title is {@code fuzzsong}. */
    public static final String TRACK_FILE = "fuzzsong.wav";
    private final Peer peer;
    private final byte[] trackId;
    private final int chunks;

    private Target(Peer peer, byte[] trackId, int chunks) {
      this.peer = peer;
      this.trackId = trackId;
      this.chunks = chunks;
    }

    /** Starts a FULL peer on 127.0.0.1 (a free port) sharing {@code folder}, where it writes the track. */
    public static Target start(Path folder, long seed) throws IOException {
      byte[] wav = TestAudio.noiseWav(2, seed); // 88,244 bytes: 6 chunks
      Files.createDirectories(folder);
      Files.write(folder.resolve(TRACK_FILE), wav);
      Peer peer = Peer.builder().share(folder).build().start();
      peer.catalog().ready().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
      List<SearchResult> found = peer.catalog().search("fuzzsong", 1);
      if (found.isEmpty()) {
        peer.close();
        throw new IllegalStateException("the peer did not index " + TRACK_FILE);
      }
      return new Target(peer, found.get(0).track().id().bytes(), (wav.length + 16383) / 16384);
    }

    public Peer peer() {
      return peer;
    }

    public InetSocketAddress control() {
      return peer.listenAddresses().get(0);
    }

    public int chunks() {
      return chunks;
    }

    @Override
    public void close() {
      peer.close();
    }
  }

  // -----------------------------------------------------------------------------------------------
  // The report
  // -----------------------------------------------------------------------------------------------

  /** Outcome keys that break a property; a count under any of them is a failure. */
  static boolean failing(String outcome) {
    return outcome.startsWith("INTERNAL") || outcome.startsWith("UNKNOWN")
        || outcome.startsWith("DEADLINE_EXCEEDED") || outcome.startsWith("!")
        || outcome.startsWith("SETUP:INTERNAL") || outcome.startsWith("SETUP:UNKNOWN");
  }

  /** Counts per method and outcome, examples of failures, heap before and after. */
  public static final class Report {
    private final Map<Method, Map<String, LongAdder>> counts = new EnumMap<>(Method.class);
    private final Map<Method, AtomicLong> slowestMs = new EnumMap<>(Method.class);
    private final Map<String, List<String>> examples = new TreeMap<>();
    long heapBefore;
    long heapAfter;
    Map<String, Long> liveBefore = Map.of();
    Map<String, Long> liveAfter = Map.of();
    List<String> health = List.of();
    double seconds;

    Report() {
      for (Method m : Method.values()) {
        counts.put(m, new ConcurrentHashMap<>());
        slowestMs.put(m, new AtomicLong());
      }
    }

    void count(Method m, String outcome, long millis) {
      counts.get(m).computeIfAbsent(outcome, k -> new LongAdder()).increment();
      slowestMs.get(m).accumulateAndGet(millis, Math::max);
    }

    void example(Method m, String outcome, String what) {
      String key = m.grpcName() + " " + outcome;
      synchronized (examples) {
        List<String> list = examples.computeIfAbsent(key, k -> new ArrayList<>());
        if (list.size() < 3) {
          list.add(what);
        }
      }
    }

    /** Cases of {@code m} that ended with {@code outcome}. */
    public long count(Method m, String outcome) {
      LongAdder a = counts.get(m).get(outcome);
      return a == null ? 0 : a.sum();
    }

    /** Every outcome of {@code m} with its count. */
    public Map<String, Long> counts(Method m) {
      Map<String, Long> out = new TreeMap<>();
      counts.get(m).forEach((k, v) -> out.put(k, v.sum()));
      return out;
    }

    /** Cases of {@code m}, counted once each (anomaly rows, starting with '!', aside). */
    public long cases(Method m) {
      long n = 0;
      for (Map.Entry<String, LongAdder> e : counts.get(m).entrySet()) {
        if (!e.getKey().startsWith("!")) {
          n += e.getValue().sum();
        }
      }
      return n;
    }

    /** Used heap after full collections, before the counted run (after a warm-up) and after it. */
    public long heapBeforeBytes() {
      return heapBefore;
    }

    public long heapAfterBytes() {
      return heapAfter;
    }

    /** Live instances of {@link #PER_CALL_CLASSES} before and after. */
    public Map<String, Long> liveBefore() {
      return liveBefore;
    }

    public Map<String, Long> liveAfter() {
      return liveAfter;
    }

    /** What went wrong in the final check that the peer still serves; empty when it does. */
    public List<String> health() {
      return health;
    }

    /** Every broken property: "method outcome: count", then examples; empty when all held. */
    public List<String> failures() {
      List<String> out = new ArrayList<>();
      for (Method m : Method.values()) {
        counts(m).forEach((k, v) -> {
          if (failing(k)) {
            out.add(m.grpcName() + " " + k + ": " + v);
          }
        });
      }
      for (String h : health) {
        out.add("health: " + h);
      }
      return out;
    }

    /** Up to three examples of each failing outcome, with what to send to reproduce it. */
    public String examples() {
      StringBuilder b = new StringBuilder();
      synchronized (examples) {
        examples.forEach((k, list) -> {
          b.append(k).append('\n');
          for (String e : list) {
            b.append("    ").append(e).append('\n');
          }
        });
      }
      return b.toString();
    }

    /** The counts as a table: one row per outcome, one column per method. */
    public String table() {
      Set<String> outcomes = new TreeSet<>();
      for (Method m : Method.values()) {
        outcomes.addAll(counts(m).keySet());
      }
      int w = 12;
      for (String o : outcomes) {
        w = Math.max(w, o.length() + 2);
      }
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT, "%-" + w + "s", "status"));
      for (Method m : Method.values()) {
        b.append(String.format(Locale.ROOT, "%19s", m.grpcName()));
      }
      b.append('\n');
      for (String o : outcomes) {
        b.append(String.format(Locale.ROOT, "%-" + w + "s", (failing(o) ? "* " : "") + o));
        for (Method m : Method.values()) {
          long n = count(m, o);
          b.append(String.format(Locale.ROOT, "%19s", n == 0 ? "." : Long.toString(n)));
        }
        b.append('\n');
      }
      b.append(String.format(Locale.ROOT, "%-" + w + "s", "cases"));
      for (Method m : Method.values()) {
        b.append(String.format(Locale.ROOT, "%19d", cases(m)));
      }
      b.append('\n');
      b.append(String.format(Locale.ROOT, "%-" + w + "s", "slowest (ms)"));
      for (Method m : Method.values()) {
        b.append(String.format(Locale.ROOT, "%19d", slowestMs.get(m).get()));
      }
      b.append('\n');
      b.append(String.format(Locale.ROOT,
          "%.1f s; used heap after GC: %.1f MiB before, %.1f MiB after (%+.1f MiB)%n", seconds,
          heapBefore / 1048576.0, heapAfter / 1048576.0, (heapAfter - heapBefore) / 1048576.0));
      b.append("live per-call objects before: ").append(liveBefore).append('\n');
      b.append("live per-call objects after:  ").append(liveAfter).append('\n');
      b.append("peer still serving: ").append(health.isEmpty() ? "yes" : health).append('\n');
      return b.toString();
    }

    @Override
    public String toString() {
      return table();
    }
  }

  // -----------------------------------------------------------------------------------------------
  // The fuzzer
  // -----------------------------------------------------------------------------------------------

  private static final byte[] MESSAGE_DOMAIN =
      Envelopes.MESSAGE_DOMAIN.getBytes(StandardCharsets.US_ASCII);
  private static final Duration GRACE = Duration.ofSeconds(5);

  private final Target target;
  private final Options options;
  private final PeerId peerId;
  private final Socket refusing;
  private final ManagedChannel control;
  private final Map<Integer, Identity> identityCache =
      Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Identity> eldest) {
          return size() > 512;
        }
      });
  private final Map<PeerId, Envelope> records = new ConcurrentHashMap<>();
  private final long recordsExpireMs = System.currentTimeMillis() + TimeUnit.HOURS.toMillis(20);
  private volatile @Nullable PublicKey peerKey;
  private volatile @Nullable ManagedChannel data;
  private final Report report = new Report();

  public ControlPlaneFuzzer(Target target, Options options) throws IOException {
    this.target = target;
    this.options = options;
    this.peerId = target.peer().id();
    // Bound, never listening: a connection to it is refused at once.
    this.refusing = new Socket();
    refusing.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.control = channel(target.control());
  }

  private static ManagedChannel channel(InetSocketAddress to) {
    return NettyChannelBuilder.forAddress(to).usePlaintext().maxInboundMessageSize(8 << 20).build();
  }

  /** Identity {@code n} of this run: the same for the same seed. */
  private Identity identity(int n) {
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

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private FuzzInputs inputs(Method m, long k, long salt) {
    long s = options.seed() * 0x9E3779B97F4A7C15L + m.ordinal() * 0xC2B2AE3D27D4EB4FL + k * 0x165667B19E3779F9L + salt;
    return new FuzzInputs(new Random(s), System.currentTimeMillis(), target.trackId,
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
   * cases and after the last.
   */
  public Report run() throws Exception {
    long start = System.nanoTime();
    learnDataEndpoint();
    int methods = Method.values().length;
    runCases(0, options.warmupCasesPerMethod() * methods);
    report.heapBefore = LiveHeap.usedAfterGc();
    report.liveBefore = LiveHeap.liveInstances(PER_CALL_CLASSES);
    runCases(options.warmupCasesPerMethod() * methods, options.casesPerMethod() * methods);
    report.health = checkHealth();
    report.liveAfter = settledLive();
    report.heapAfter = LiveHeap.usedAfterGc();
    report.seconds = (System.nanoTime() - start) / 1e9;
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
                fetchCase(k);
              } else {
                controlCase(m, k);
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

  // -----------------------------------------------------------------------------------------------
  // Control cases
  // -----------------------------------------------------------------------------------------------

  /**
   * The sender of case {@code k} of {@code m}. A reachability check is answered once a minute per
   * asker, so each of those cases has a sender of its own.
   */
  private Identity sender(Method m, int k) {
    int block = m == Method.CHECK_REACHABILITY ? k : k / CASES_PER_IDENTITY;
    return identity(m.ordinal() * 1_000_000 + block);
  }

  private void controlCase(Method m, int k) throws InterruptedException {
    FuzzInputs in = inputs(m, k, 0);
    Random r = in.random();
    Identity sender = sender(m, k);
    int p = r.nextInt(100);
    String category;
    byte[] request;
    String detail = "";
    if (p < 20) {
      category = "random bytes";
      request = in.randomBytes();
    } else if (p < 45) {
      Envelope valid = in.signMessage(sender, in.stamp(in.sensibleBody(m, sender), sender).build().toByteArray());
      // Spliced in: another body's payload bytes (unsigned; only its bytes matter).
      byte[] other = in.stamp(in.anyBody(sender), sender).build().toByteArray();
      if (r.nextBoolean()) {
        category = "mutated envelope";
        request = in.mutate(valid.toByteArray(), other);
      } else {
        category = "mutated payload, signed";
        byte[] payload = in.mutate(valid.getPayload().toByteArray(), other);
        request = in.signMessage(sender, payload).toByteArray();
      }
    } else if (p < 57) {
      category = "edge envelope";
      Payload.Builder body = in.stamp(in.sensibleBody(m, sender), sender);
      String[] what = new String[1];
      request = edgeEnvelope(in, sender, body, what);
      detail = what[0];
    } else if (p < 85) {
      category = "signed, extreme body";
      Payload.Builder body = in.sensibleBody(m, sender);
      randomizeBody(in, body);
      detail = shortText(body);
      request = in.signMessage(sender, in.stamp(body, sender).build().toByteArray()).toByteArray();
    } else if (p < 94) {
      category = "signed, another method's body";
      Payload.Builder body = in.anyBody(sender);
      if (r.nextBoolean()) {
        randomizeBody(in, body);
      }
      detail = shortText(body);
      request = in.signMessage(sender, in.stamp(body, sender).build().toByteArray()).toByteArray();
      if (body.getBodyCase() != m.request) {
        // Valid in every way but its method: refused by rule 8, before any rate limit.
        Answer a = call(m, request);
        record(m, a, "case " + k + " (" + category + ")", request, detail);
        String outcome = a.status() == null ? "!NO_STATUS" : outcome(a.status());
        if (!outcome.equals(WRONG_METHOD_OUTCOME)) {
          report.count(m, "!NOT_WRONG_METHOD", 0);
          report.example(m, "!NOT_WRONG_METHOD", "case " + k + ": " + body.getBodyCase()
              + " answered " + outcome + "; " + describe(request, detail));
        }
        return;
      }
    } else {
      category = "signed, sensible body";
      Payload.Builder body = in.sensibleBody(m, sender);
      detail = shortText(body);
      request = in.signMessage(sender, in.stamp(body, sender).build().toByteArray()).toByteArray();
    }
    Answer a = call(m, request);
    record(m, a, "case " + k + " (" + category + ")", request, detail);
  }

  private static void randomizeBody(FuzzInputs in, Payload.Builder body) {
    FieldDescriptor f = body.getOneofFieldDescriptor(Payload.getDescriptor().getOneofs().get(0));
    if (f == null) {
      return;
    }
    Message.Builder b = ((Message) body.getField(f)).toBuilder();
    in.randomize(b, 0);
    body.setField(f, b.build());
  }

  /** A valid body in an envelope with one edge: signature, key, timestamp, nonce, sender, body. */
  private byte[] edgeEnvelope(FuzzInputs in, Identity sender, Payload.Builder body, String[] what) {
    Random r = in.random();
    switch (r.nextInt(12)) {
      case 0: {
        what[0] = "high-S twin of a valid signature";
        Envelope e = in.signMessage(sender, body.build().toByteArray());
        return e.toBuilder().setSignature(FuzzInputs.highS(e.getSignature())).build().toByteArray();
      }
      case 1:
        what[0] = "signed with the peer-record domain";
        return FuzzInputs.sign(sender, Envelopes.PEER_RECORD_DOMAIN.getBytes(StandardCharsets.US_ASCII),
            body.build().toByteArray()).toByteArray();
      case 2: {
        what[0] = "signature of another length";
        Envelope e = in.signMessage(sender, body.build().toByteArray());
        return e.toBuilder().setSignature(in.bytesAround(64)).build().toByteArray();
      }
      case 3: {
        what[0] = "signed by another key";
        Envelope e = in.signMessage(identity(-1000 - r.nextInt(8)), body.build().toByteArray());
        return e.toByteArray();
      }
      case 4: {
        what[0] = "public key not a compressed point";
        Envelope e = in.signMessage(sender, body.build().toByteArray());
        byte[] key = e.getSignerPublicKey().toByteArray();
        int v = r.nextInt(3);
        if (v == 0) {
          key[0] = 0x04;
        } else if (v == 1) {
          key[1 + r.nextInt(32)] ^= 1; // likely off the curve, or another key
        } else {
          key = java.util.Arrays.copyOf(key, r.nextBoolean() ? 32 : 65);
        }
        return e.toBuilder().setSignerPublicKey(ByteString.copyFrom(key)).build().toByteArray();
      }
      case 5:
        body.setTimestampMs(in.extremeLong());
        what[0] = "timestamp " + Long.toUnsignedString(body.getTimestampMs());
        break;
      case 6:
        body.setNonce(in.bytesAround(16));
        what[0] = "nonce of " + body.getNonce().size() + " bytes";
        break;
      case 7:
        body.setSenderPeerId(r.nextBoolean() ? in.bytesAround(21)
            : ByteString.copyFrom(identity(-2000).peerId().bytes()));
        what[0] = "sender " + HexFormat.of().formatHex(body.getSenderPeerId().toByteArray());
        break;
      case 8:
        body.clearBody();
        what[0] = "no body";
        break;
      case 9: {
        what[0] = "unknown fields appended to the payload";
        // Field 99 (varint) and field 100 (bytes): a later minor version's additions.
        byte[] extra = {(byte) 0x98, 0x06, 0x2a, (byte) 0xa2, 0x06, 0x02, 0x01, 0x02};
        return in.signMessage(sender, FuzzInputs.concat(body.build().toByteArray(), extra)).toByteArray();
      }
      case 10: {
        what[0] = "the same envelope twice (a replay)";
        byte[] once = in.signMessage(sender, body.build().toByteArray()).toByteArray();
        try {
          call(Method.EXCHANGE_PEERS, once); // the first use, whatever it answers
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return once;
      }
      default: {
        what[0] = "unknown fields in the envelope";
        byte[] e = in.signMessage(sender, body.build().toByteArray()).toByteArray();
        return FuzzInputs.concat(e, new byte[] {0x20, 0x01, 0x2a, 0x00});
      }
    }
    return in.signMessage(sender, body.build().toByteArray()).toByteArray();
  }

  private static String shortText(Message.Builder b) {
    String s = com.google.protobuf.TextFormat.shortDebugString(b);
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  /** What one call got: its status and what came back before it. */
  private record Answer(@Nullable Status status, List<byte[]> messages, long millis) {}

  private Answer call(Method m, byte[] request) throws InterruptedException {
    ClientCall<byte[], byte[]> call = control.newCall(m.raw, CallOptions.DEFAULT
        .withDeadlineAfter(options.callDeadline().toMillis(), TimeUnit.MILLISECONDS));
    Collector c = new Collector();
    long start = System.nanoTime();
    call.start(c, new Metadata());
    call.request(Integer.MAX_VALUE);
    call.sendMessage(request);
    call.halfClose();
    Status s = c.await(options.callDeadline().plus(GRACE));
    if (s == null) {
      call.cancel("no status in time", null);
    }
    return new Answer(s, c.messages(), (System.nanoTime() - start) / 1_000_000);
  }

  /** Collects a call's messages and status. */
  private static class Collector extends ClientCall.Listener<byte[]> {
    private final List<byte[]> messages = new ArrayList<>();
    private @Nullable Status status;

    @Override
    public synchronized void onMessage(byte[] message) {
      messages.add(message);
      received(message);
    }

    void received(byte[] message) {}

    @Override
    public synchronized void onClose(Status status, Metadata trailers) {
      this.status = status;
      notifyAll();
    }

    synchronized boolean closed() {
      return status != null;
    }

    synchronized @Nullable Status await(Duration timeout) throws InterruptedException {
      long until = System.nanoTime() + timeout.toNanos();
      while (status == null) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return status;
    }

    synchronized List<byte[]> messages() {
      return new ArrayList<>(messages);
    }
  }

  /** The outcome of a validly signed request whose body belongs to another method. */
  static final String WRONG_METHOD_OUTCOME = "INVALID_ARGUMENT/WRONG_METHOD";

  /** The outcome key of a status: its code, and the documented rejection reasons it names. */
  static String outcome(Status s) {
    String d = s.getDescription();
    StringBuilder reasons = new StringBuilder();
    if (d != null) {
      for (RejectReason reason : RejectReason.values()) {
        if (d.contains(reason.name())) {
          reasons.append(reasons.length() == 0 ? "/" : "|").append(reason.name());
        }
      }
    }
    return s.getCode() + reasons.toString();
  }

  private void record(Method m, Answer a, String what, byte[] request, String detail) {
    Status s = a.status();
    String outcome = s == null ? "!NO_STATUS" : outcome(s);
    report.count(m, outcome, a.millis());
    if (s != null && Method.CONTROL.contains(m) && s.getCode() == Status.Code.UNAUTHENTICATED
        && !outcome.contains("/")) {
      // On the control methods only the envelope rules answer UNAUTHENTICATED, and the status
      // message names the rule that failed (PROTOCOL.md, section 5).
      report.count(m, "!UNNAMED_RULE", 0);
      report.example(m, "!UNNAMED_RULE", what + ": " + s + "; " + describe(request, detail));
    }
    String problem = null;
    if (s != null && s.isOk()) {
      problem = checkAnswers(m, a.messages());
    } else if (s != null && !a.messages().isEmpty() && m != Method.SEARCH) {
      problem = a.messages().size() + " messages before " + s.getCode();
    }
    if (problem != null) {
      report.count(m, "!BAD_RESPONSE", 0);
      report.example(m, "!BAD_RESPONSE", what + ": " + problem + "; " + describe(request, detail));
    }
    if (failing(outcome)) {
      report.example(m, outcome, what + ": " + (s == null ? "no status within "
          + options.callDeadline().plus(GRACE) : s.getDescription()) + "; " + describe(request, detail));
    }
  }

  private static String describe(byte[] request, String detail) {
    String hex = HexFormat.of().formatHex(request, 0, Math.min(request.length, 120));
    return request.length + " bytes " + hex + (request.length > 120 ? "..." : "")
        + (detail.isEmpty() ? "" : "; " + detail);
  }

  /** Why the answers of an OK call are wrong, or null when they are right. */
  private @Nullable String checkAnswers(Method m, List<byte[]> answers) {
    if (m != Method.SEARCH && answers.size() != 1) {
      return answers.size() + " answers to a unary call";
    }
    for (byte[] answer : answers) {
      String problem = checkSigned(answer, m.response);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  /** Whether {@code bytes} is an envelope signed by the peer carrying {@code body}. */
  private @Nullable String checkSigned(byte[] bytes, Payload.@Nullable BodyCase body) {
    try {
      Envelope e = Envelope.parseFrom(bytes);
      PublicKey key = peerKey;
      if (key == null || !ByteString.copyFrom(key.encoded()).equals(e.getSignerPublicKey())) {
        PublicKey k = PublicKey.decodeCompressed(e.getSignerPublicKey().toByteArray());
        if (!k.peerId().equals(peerId)) {
          return "answer signed by " + k.peerId() + ", not the peer";
        }
        peerKey = k;
        key = k;
      }
      MessageDigest sha = sha256();
      sha.update(MESSAGE_DOMAIN);
      sha.update(e.getPayload().asReadOnlyByteBuffer());
      if (!key.verifyDigest(sha.digest(), e.getSignature().toByteArray())) {
        return "the answer's signature does not verify";
      }
      Payload p = Payload.parseFrom(e.getPayload());
      if (!peerId.matches(p.getSenderPeerId().toByteArray())) {
        return "the answer names another sender";
      }
      if (p.getBodyCase() != body) {
        return "answered with " + p.getBodyCase() + ", not " + body;
      }
      return null;
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      return "not an envelope carrying a payload: " + e.getMessage();
    }
  }

  // -----------------------------------------------------------------------------------------------
  // FetchChunks cases
  // -----------------------------------------------------------------------------------------------

  /** A session opened with a valid StreamOpen: its id and the exact envelope that opened it. */
  private record Session(ByteString id, byte[] handshake, InetSocketAddress data) {}

  private Session openSession(FuzzInputs in, Identity sender, String[] refusal)
      throws InterruptedException {
    StreamOpen open = in.streamOpen(true, false);
    byte[] request = in.signMessage(sender, in.stamp(Payload.newBuilder().setStreamOpen(open), sender)
        .build().toByteArray()).toByteArray();
    Answer a = call(Method.OPEN_STREAM, request);
    if (a.status() == null || !a.status().isOk() || a.messages().size() != 1) {
      refusal[0] = a.status() == null ? "!NO_STATUS" : outcome(a.status());
      return null;
    }
    try {
      StreamAccept accept = Payload.parseFrom(Envelope.parseFrom(a.messages().get(0)).getPayload())
          .getStreamAccept();
      byte[] ip = accept.getDataEndpoint().getIp().toByteArray();
      InetAddress host = ip.length == 4 || ip.length == 16 ? InetAddress.getByAddress(ip) : null;
      if (host == null || host.isAnyLocalAddress()) {
        host = target.control().getAddress();
      }
      return new Session(open.getSessionId(), request,
          new InetSocketAddress(host, accept.getDataEndpoint().getPort()));
    } catch (IOException e) {
      refusal[0] = "!BAD_RESPONSE";
      return null;
    }
  }

  private void learnDataEndpoint() throws InterruptedException {
    FuzzInputs in = inputs(Method.OPEN_STREAM, -1, 0);
    String[] refusal = new String[1];
    Session s = openSession(in, identity(Integer.MAX_VALUE), refusal);
    if (s == null) {
      throw new IllegalStateException("the peer did not accept a valid StreamOpen: " + refusal[0]);
    }
    data = channel(s.data());
    // Close the session this opened, so that it does not wait out its timeout.
    FetchCollector c = new FetchCollector();
    ClientCall<byte[], byte[]> call = data.newCall(Method.FETCH_CHUNKS.raw, CallOptions.DEFAULT
        .withDeadlineAfter(options.callDeadline().toMillis(), TimeUnit.MILLISECONDS));
    call.start(c, new Metadata());
    call.request(Integer.MAX_VALUE);
    call.sendMessage(ChunkRequest.newBuilder().setSessionId(s.id())
        .setHandshake(ByteString.copyFrom(s.handshake())).build().toByteArray());
    call.halfClose();
    c.await(options.callDeadline().plus(GRACE));
  }

  /** Collects DataFrames: which chunks were answered, and whether the frames were well formed. */
  private static final class FetchCollector extends Collector {
    final Set<Integer> answered = new HashSet<>();
    boolean accepted;
    @Nullable String problem;

    @Override
    void received(byte[] message) {
      DataFrame f;
      try {
        f = DataFrame.parseFrom(message);
      } catch (InvalidProtocolBufferException e) {
        problem = "an unparseable frame";
        return;
      }
      switch (f.getKindCase()) {
        case ACCEPTED:
          if (accepted || !f.getAccepted()) {
            problem = "accepted twice, or accepted = false";
          }
          accepted = true;
          break;
        case CHUNK:
          if (!accepted) {
            problem = "a chunk before accepted";
          } else if (f.getChunk().getData().size() > 1200) {
            problem = "a chunk frame of " + f.getChunk().getData().size() + " bytes";
          }
          answered.add(f.getChunk().getChunkIndex());
          break;
        case UNAVAILABLE:
          if (!accepted) {
            problem = "unavailable before accepted";
          }
          answered.add(f.getUnavailable());
          break;
        default:
          problem = "a frame of no known kind";
      }
    }

    synchronized boolean settled(Set<Integer> wanted) {
      return closed() || (accepted && answered.containsAll(wanted));
    }

    synchronized void awaitSettled(Set<Integer> wanted, Duration timeout) throws InterruptedException {
      long until = System.nanoTime() + timeout.toNanos();
      while (!settled(wanted)) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    @Override
    public synchronized void onMessage(byte[] message) {
      super.onMessage(message);
      notifyAll();
    }
  }

  private void fetchCase(int k) throws InterruptedException {
    Method m = Method.FETCH_CHUNKS;
    FuzzInputs in = inputs(m, k, 0);
    Random r = in.random();
    Identity sender = sender(m, k);
    int chunks = target.chunks();
    int p = r.nextInt(100);
    String category;
    Session session = null;
    if (p >= 20 && p < 35 || p >= 55) {
      String[] refusal = new String[1];
      session = openSession(in, sender, refusal);
      if (session == null) {
        report.count(m, "SETUP:" + refusal[0], 0);
        return;
      }
    }
    byte[] first;
    if (p < 20) {
      category = "garbage first";
      first = in.randomBytes();
    } else if (p < 35) {
      category = "mutated valid first";
      first = in.mutate(validFirst(session, in, chunks).toByteArray(), in.followUp(chunks).toByteArray());
    } else if (p < 55) {
      category = "random first";
      ChunkRequest.Builder c = ChunkRequest.newBuilder().setSessionId(in.bytesAround(16))
          .addAllWant(in.indexes(chunks));
      if (r.nextBoolean()) {
        // A well-signed open the peer never accepted.
        c.setHandshake(in.signMessage(sender, in.stamp(Payload.newBuilder()
            .setStreamOpen(in.streamOpen(true, false)), sender).build().toByteArray()).toByteString());
      } else {
        c.setHandshake(ByteString.copyFrom(in.randomBytes()));
      }
      first = c.build().toByteArray();
    } else {
      category = "valid first";
      first = validFirst(session, in, chunks).toByteArray();
    }
    List<byte[]> sent = new ArrayList<>();
    sent.add(first);
    int q = r.nextInt(100);
    int followUps = q < 20 ? 0 : q < 85 ? 1 + r.nextInt(4) : 10 + r.nextInt(30);
    for (int i = 0; i < followUps; i++) {
      int kind = r.nextInt(100);
      if (kind < 10) {
        sent.add(in.randomBytes());
      } else if (kind < 18) {
        sent.add(in.mutate(in.followUp(chunks).toByteArray(), in.followUp(chunks).toByteArray()));
      } else {
        sent.add(in.followUp(chunks).toByteArray());
      }
    }
    // What an honest source must answer: chunks wanted and not cancelled since, while every
    // request parsed and the want list stayed within its bound.
    Set<Integer> mustAnswer = new HashSet<>();
    boolean clean = true;
    Set<Integer> distinct = new HashSet<>();
    for (byte[] b : sent) {
      ChunkRequest c;
      try {
        c = ChunkRequest.parseFrom(b);
      } catch (InvalidProtocolBufferException e) {
        clean = false;
        break;
      }
      mustAnswer.removeAll(c.getCancelList());
      mustAnswer.addAll(c.getWantList());
      distinct.addAll(c.getWantList());
    }
    if (distinct.size() > 4096) {
      clean = false;
    }

    ManagedChannel ch = data;
    FetchCollector c = new FetchCollector();
    long start = System.nanoTime();
    ClientCall<byte[], byte[]> call = ch.newCall(m.raw, CallOptions.DEFAULT
        .withDeadlineAfter(options.callDeadline().toMillis(), TimeUnit.MILLISECONDS));
    call.start(c, new Metadata());
    call.request(Integer.MAX_VALUE);
    for (byte[] b : sent) {
      call.sendMessage(b);
    }
    c.awaitSettled(clean ? mustAnswer : Set.of(Integer.MIN_VALUE + 7), options.answerWait());
    String unanswered = null;
    synchronized (c) {
      if (clean && c.accepted && !c.closed() && !c.answered.containsAll(mustAnswer)) {
        Set<Integer> missing = new TreeSet<>(mustAnswer);
        missing.removeAll(c.answered);
        unanswered = "no answer within " + options.answerWait() + " to wants of " + missing.size()
            + " chunks: " + missing.stream().limit(8).map(Integer::toUnsignedString).toList();
      }
    }
    call.halfClose();
    Status s = c.await(options.callDeadline().plus(GRACE));
    if (s == null) {
      call.cancel("no status in time", null);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    String outcome = s == null ? "!NO_STATUS" : outcome(s);
    report.count(m, outcome, millis);
    String what = "case " + k + " (" + category + ", " + followUps + " follow-ups)";
    String requests = sent.stream().limit(4).map(b -> describe(b, "")).toList().toString();
    if (unanswered != null) {
      report.count(m, "!WANT_UNANSWERED", 0);
      report.example(m, "!WANT_UNANSWERED", what + ": " + unanswered + "; " + requests);
    }
    String problem;
    synchronized (c) {
      problem = c.problem;
    }
    if (problem != null) {
      report.count(m, "!BAD_RESPONSE", 0);
      report.example(m, "!BAD_RESPONSE", what + ": " + problem + "; " + requests);
    }
    if (failing(outcome)) {
      report.example(m, outcome, what + ": " + (s == null ? "no status" : s.getDescription())
          + "; " + requests);
    }
  }

  private static ChunkRequest validFirst(Session session, FuzzInputs in, int chunks) {
    ChunkRequest.Builder c = ChunkRequest.newBuilder().setSessionId(session.id())
        .setHandshake(ByteString.copyFrom(session.handshake()));
    if (in.random().nextBoolean()) {
      c.addAllWant(in.indexes(chunks));
    }
    return c.build();
  }

  // -----------------------------------------------------------------------------------------------
  // Still serving?
  // -----------------------------------------------------------------------------------------------

  /** Valid requests of a new sender, one per kind, and what was wrong with their answers. */
  public List<String> checkHealth() throws InterruptedException {
    List<String> problems = new ArrayList<>();
    Identity me = identity(Integer.MAX_VALUE - 1);
    FuzzInputs in = inputs(Method.EXCHANGE_PEERS, -2, 0);
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
        String problem = checkAnswers(m, a.messages());
        if (problem != null) {
          problems.add(m.grpcName() + ": " + problem);
        } else if (m == Method.SEARCH && a.messages().isEmpty()) {
          problems.add("Search for the shared track found nothing");
        }
      }
    }
    String[] refusal = new String[1];
    Session s = openSession(in, me, refusal);
    if (s == null) {
      problems.add("OpenStream answered " + refusal[0]);
      return problems;
    }
    FetchCollector c = new FetchCollector();
    ClientCall<byte[], byte[]> call = data.newCall(Method.FETCH_CHUNKS.raw, CallOptions.DEFAULT
        .withDeadlineAfter(options.callDeadline().toMillis(), TimeUnit.MILLISECONDS));
    call.start(c, new Metadata());
    call.request(Integer.MAX_VALUE);
    call.sendMessage(ChunkRequest.newBuilder().setSessionId(s.id())
        .setHandshake(ByteString.copyFrom(s.handshake())).addWant(0).build().toByteArray());
    c.awaitSettled(Set.of(0), options.callDeadline());
    call.halfClose();
    Status st = c.await(options.callDeadline().plus(GRACE));
    synchronized (c) {
      if (!c.accepted || !c.answered.contains(0) || st == null || !st.isOk() || c.problem != null) {
        problems.add("FetchChunks of chunk 0: accepted " + c.accepted + ", answered "
            + c.answered + ", status " + st + (c.problem == null ? "" : ", " + c.problem));
      }
    }
    return problems;
  }

  @Override
  public void close() throws IOException {
    control.shutdownNow();
    ManagedChannel d = data;
    if (d != null) {
      d.shutdownNow();
    }
    refusing.close();
  }
}
