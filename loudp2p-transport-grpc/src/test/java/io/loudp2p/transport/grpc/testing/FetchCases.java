package io.loudp2p.transport.grpc.testing;

import static io.loudp2p.transport.grpc.testing.RawCalls.GRACE;
import static io.loudp2p.transport.grpc.testing.RawCalls.describe;
import static io.loudp2p.transport.grpc.testing.RawCalls.outcome;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.ChunkRequest;
import io.loudp2p.core.proto.v1.DataFrame;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.StreamAccept;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.transport.grpc.testing.RawCalls.Answer;
import io.loudp2p.transport.grpc.testing.RawCalls.Collector;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The {@code FetchChunks} cases of a {@link ControlPlaneFuzzer} run, on the data endpoint a valid
 * {@code StreamAccept} names. A case opens a session (or not), sends a first request that is
 * garbage, mutated, random or valid, then random follow-ups with wants and cancels of extreme
 * indexes, waits for every chunk it still wants to be answered, and half-closes.
 *
 * <p>A chunk wanted on a clean session (every request parsed, the want list within its bound) must
 * be answered, with the chunk or {@code unavailable}, or the call must end with an error. One
 * answered only after the fuzzer's wait counts as late ({@code ~WANT_LATE}, a note); one never
 * answered before the call ended well is a failure ({@code !WANT_UNANSWERED}).
 */
final class FetchCases {
  /**
   * Largest {@code ChunkRequest} the data endpoint reads (PROTOCOL.md section 5). A case with a
   * larger message runs on a connection of its own: the peer refuses such a message from its
   * length prefix, unread, and the bytes of its rest must not hold up other cases' streams on a
   * shared connection.
   */
  static final int MAX_CHUNK_REQUEST_BYTES = 65_536;

  private final ControlPlaneFuzzer fuzzer;
  private final FuzzTarget target;
  private volatile @Nullable ManagedChannel data;
  private volatile @Nullable InetSocketAddress dataAddress;

  FetchCases(ControlPlaneFuzzer fuzzer, FuzzTarget target) {
    this.fuzzer = fuzzer;
    this.target = target;
  }

  /** A session opened with a valid StreamOpen: its id and the exact envelope that opened it. */
  private record Session(ByteString id, byte[] handshake, InetSocketAddress data) {}

  private @Nullable Session openSession(FuzzInputs in, Identity sender, String[] refusal)
      throws InterruptedException {
    StreamOpen open = in.streamOpen(true, false);
    byte[] request = in.signMessage(sender, in.stamp(Payload.newBuilder().setStreamOpen(open), sender)
        .build().toByteArray()).toByteArray();
    Answer a = fuzzer.call(Method.OPEN_STREAM, request);
    if (a.status() == null || !a.status().isOk() || a.messages().size() != 1) {
      refusal[0] = outcome(a.status());
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

  /** Opens a session to learn where the data endpoint is, and ends that session at once. */
  void learnDataEndpoint() throws InterruptedException {
    FuzzInputs in = fuzzer.inputs(Method.OPEN_STREAM, -1);
    String[] refusal = new String[1];
    Session s = openSession(in, fuzzer.identity(Integer.MAX_VALUE), refusal);
    if (s == null) {
      throw new IllegalStateException("the peer did not accept a valid StreamOpen: " + refusal[0]);
    }
    dataAddress = s.data();
    data = RawCalls.channel(s.data());
    Fetch f = new Fetch(data, List.of(first(s).build().toByteArray()));
    f.call.halfClose();
    f.collector.await(fuzzer.options.callDeadline().plus(GRACE));
  }

  /** One FetchChunks call: its messages sent, its frames collected. */
  private final class Fetch {
    final ClientCall<byte[], byte[]> call;
    final FetchCollector collector = new FetchCollector();
    final long startNs = System.nanoTime();

    Fetch(ManagedChannel channel, List<byte[]> messages) {
      call = channel.newCall(Method.FETCH_CHUNKS.raw, CallOptions.DEFAULT.withDeadlineAfter(
          fuzzer.options.callDeadline().toMillis(), TimeUnit.MILLISECONDS));
      call.start(collector, new Metadata());
      call.request(Integer.MAX_VALUE);
      for (byte[] b : messages) {
        call.sendMessage(b);
      }
    }

    /** Half-closes and waits for the status; null when none came in time (the call is cancelled). */
    @Nullable Status end() throws InterruptedException {
      call.halfClose();
      Status s = collector.await(fuzzer.options.callDeadline().plus(GRACE));
      if (s == null) {
        call.cancel("no status in time", null);
      }
      return s;
    }
  }

  /** Collects DataFrames: which chunks were answered when, and whether the frames were well formed. */
  private static final class FetchCollector extends Collector {
    final Map<Integer, Long> answeredAtNs = new HashMap<>();
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
          answeredAtNs.putIfAbsent(f.getChunk().getChunkIndex(), System.nanoTime());
          break;
        case UNAVAILABLE:
          if (!accepted) {
            problem = "unavailable before accepted";
          }
          answeredAtNs.putIfAbsent(f.getUnavailable(), System.nanoTime());
          break;
        default:
          problem = "a frame of no known kind";
      }
    }

    synchronized boolean answered(Set<Integer> wanted) {
      return answeredAtNs.keySet().containsAll(wanted);
    }

    synchronized void awaitSettled(Set<Integer> wanted, Duration timeout) throws InterruptedException {
      long until = System.nanoTime() + timeout.toNanos();
      while (!closed() && !(accepted && answered(wanted))) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
  }

  /** Sends case {@code k} of FetchChunks and counts its outcome. */
  void run(int k) throws InterruptedException {
    Method m = Method.FETCH_CHUNKS;
    FuzzInputs in = fuzzer.inputs(m, k);
    Random r = in.random();
    Identity sender = fuzzer.sender(m, k);
    int chunks = target.chunks();
    int p = r.nextInt(100);
    String category;
    Session session = null;
    if (p >= 20 && p < 35 || p >= 55) {
      String[] refusal = new String[1];
      session = openSession(in, sender, refusal);
      if (session == null) {
        fuzzer.report.count(m, "SETUP:" + refusal[0], 0);
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
    Set<Integer> mustAnswer = mustAnswer(sent);
    boolean clean = mustAnswer != null;

    boolean oversize = sent.stream().anyMatch(b -> b.length > MAX_CHUNK_REQUEST_BYTES);
    ManagedChannel ch = oversize ? RawCalls.channel(dataAddress) : data;
    try {
      Fetch f = new Fetch(ch, sent);
      FetchCollector c = f.collector;
      c.awaitSettled(clean ? mustAnswer : Set.of(Integer.MIN_VALUE + 7), fuzzer.options.answerWait());
      Status s = f.end();
      long millis = (System.nanoTime() - f.startNs) / 1_000_000;
      String outcome = outcome(s);
      fuzzer.report.count(m, outcome, millis);
      String what = "case " + k + " (" + category + ", " + followUps + " follow-ups)";
      String requests = sent.stream().limit(4).map(b -> describe(b, "")).toList().toString();
      synchronized (c) {
        if (clean && c.accepted) {
          checkWants(k, what, requests, f, s, mustAnswer);
        }
        if (c.problem != null) {
          fuzzer.report.count(m, "!BAD_RESPONSE", 0);
          fuzzer.report.example(m, "!BAD_RESPONSE", what + ": " + c.problem + "; " + requests);
        }
      }
      if (FuzzReport.failing(outcome)) {
        fuzzer.report.example(m, outcome, what + ": " + (s == null ? "no status" : s.getDescription())
            + "; " + requests);
      }
    } finally {
      if (ch != data) {
        ch.shutdownNow();
      }
    }
  }

  /**
   * What an honest source must answer: chunks wanted and not cancelled since; null when a request
   * did not parse or the wants went past their bound (the source may end the call instead).
   */
  private static @Nullable Set<Integer> mustAnswer(List<byte[]> sent) {
    Set<Integer> mustAnswer = new HashSet<>();
    Set<Integer> distinct = new HashSet<>();
    for (byte[] b : sent) {
      ChunkRequest c;
      try {
        c = ChunkRequest.parseFrom(b);
      } catch (InvalidProtocolBufferException e) {
        return null;
      }
      mustAnswer.removeAll(c.getCancelList());
      mustAnswer.addAll(c.getWantList());
      distinct.addAll(c.getWantList());
    }
    return distinct.size() > 4096 ? null : mustAnswer;
  }

  /**
   * Counts the wants of a clean, accepted call: late when answered after the wait, unanswered when
   * never answered although the call ended well. Under the collector's lock.
   */
  private void checkWants(int k, String what, String requests, Fetch f, @Nullable Status s,
      Set<Integer> mustAnswer) {
    FetchCollector c = f.collector;
    Method m = Method.FETCH_CHUNKS;
    Set<Integer> missing = new TreeSet<>(mustAnswer);
    missing.removeAll(c.answeredAtNs.keySet());
    if (!missing.isEmpty() && s != null && s.isOk()) {
      fuzzer.report.count(m, "!WANT_UNANSWERED", 0);
      fuzzer.report.example(m, "!WANT_UNANSWERED", what + ": the call ended with no answer to wants"
          + " of " + missing.size() + " chunks: "
          + missing.stream().limit(8).map(Integer::toUnsignedString).toList() + "; " + requests);
      return;
    }
    long lastNs = 0;
    for (int i : mustAnswer) {
      Long at = c.answeredAtNs.get(i);
      if (at != null) {
        lastNs = Math.max(lastNs, at - f.startNs);
      }
    }
    if (missing.isEmpty() && lastNs > fuzzer.options.answerWait().toNanos()) {
      fuzzer.report.late(m, lastNs / 1_000_000);
    }
  }

  private static ChunkRequest.Builder first(Session session) {
    return ChunkRequest.newBuilder().setSessionId(session.id())
        .setHandshake(ByteString.copyFrom(session.handshake()));
  }

  private static ChunkRequest validFirst(Session session, FuzzInputs in, int chunks) {
    ChunkRequest.Builder c = first(session);
    if (in.random().nextBoolean()) {
      c.addAllWant(in.indexes(chunks));
    }
    return c.build();
  }

  /** Opens a session of a new sender, fetches chunk 0, and says what went wrong; null when fine. */
  @Nullable String checkHealth(FuzzInputs in, Identity me) throws InterruptedException {
    String[] refusal = new String[1];
    Session s = openSession(in, me, refusal);
    if (s == null) {
      return "OpenStream answered " + refusal[0];
    }
    Fetch f = new Fetch(data, List.of(first(s).addWant(0).build().toByteArray()));
    f.collector.awaitSettled(Set.of(0), fuzzer.options.callDeadline());
    Status st = f.end();
    FetchCollector c = f.collector;
    synchronized (c) {
      if (!c.accepted || !c.answeredAtNs.containsKey(0) || st == null || !st.isOk()
          || c.problem != null) {
        return "FetchChunks of chunk 0: accepted " + c.accepted + ", answered "
            + c.answeredAtNs.keySet() + ", status " + st + (c.problem == null ? "" : ", " + c.problem);
      }
    }
    return null;
  }

  void close() {
    ManagedChannel d = data;
    if (d != null) {
      d.shutdownNow();
    }
  }
}
