package io.loudp2p.core.stream.internal;

import io.loudp2p.SourceStats;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataSession;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * One source of a {@link StreamSessionAgent}: its data session (on the preferred transport or the
 * fallback), what was asked of it and what it delivered. What the transport reports goes to the
 * agent, which decides on its own thread.
 */
final class SessionSource implements DataSession.Listener {
  final int index;
  final RealStreamSession.Source spec;
  private final StreamSessionAgent agent;
  private volatile @Nullable DataSession session;
  volatile boolean active;
  volatile long bytes;
  volatile int chunks;
  volatile int badChunks;
  volatile long rttNs = -1;
  volatile long bytesPerSecond;
  final BitSet unavailable = new BitSet(); // on the agent thread
  private volatile String transportName = "";
  boolean opening = true; // on the agent thread: until its open succeeded or failed
  /** Chunks asked for in the data session's opening, and when; none after a fallback. */
  private volatile int[] earlyWants = NO_CHUNKS;
  private volatile long earlyAtNs;
  /** How long its stream initiation took, a round trip or more; 0 when not known. */
  private volatile long rttHintNs;

  private static final int[] NO_CHUNKS = new int[0];

  SessionSource(int index, RealStreamSession.Source spec, StreamSessionAgent agent) {
    this.index = index;
    this.spec = spec;
    this.agent = agent;
  }

  /**
   * Opens the data session, asking for {@code firstWants} in the opening where the transport can
   * (the scheduler asks for them again once the session is open). A session opened before the
   * stream session ({@link PreOpenedTransport}) asked for its own first wants when it was: once
   * open, the scheduler is told what was asked and when ({@link #earlyWants}), so that it does
   * not time their answers from later (a round trip, on a slow path, too short).
   */
  void open(int[] firstWants) {
    transportName = spec.transportName();
    if (spec.transport() instanceof PreOpenedTransport pre) {
      earlyAtNs = pre.openedAtNs();
      rttHintNs = pre.initiationRttNs();
      earlyWants = pre.firstWants();
    }
    spec.transport().open(spec.endpoint(), spec.sessionId(), spec.handshake(), spec.sourceKey(),
            firstWants, this)
        .whenComplete((s, t) -> {
          RealStreamSession.Fallback fallback = spec.fallback();
          if (t != null && fallback != null && !agent.isClosed() && unreachable(t)) {
            String why = message(t);
            agent.post(now -> agent.tellFallback(spec.peer(), spec.transportName(),
                fallback.transportName(), why));
            transportName = fallback.transportName();
            earlyWants = NO_CHUNKS; // the fallback's opening asks for nothing
            fallback.transport().open(fallback.endpoint(), spec.sessionId(), spec.handshake(), this)
                .whenComplete(this::opened);
            return;
          }
          opened(s, t);
        });
  }

  private void opened(@Nullable DataSession s, @Nullable Throwable t) {
    if (t != null || s == null) {
      agent.onOpenFailed(this,
          "could not open a data session: " + (t == null ? "no session" : message(t)));
      return;
    }
    if (agent.isClosed()) {
      s.close();
      return;
    }
    session = s;
    agent.onOpened(this);
  }

  /** The chunks its data session's opening asked for, still to be told to the scheduler. */
  int[] earlyWants() {
    return earlyWants;
  }

  /** When its data session's opening asked for {@link #earlyWants}. */
  long rttHintNs() {
    return rttHintNs;
  }

  long earlyAtNs() {
    return earlyAtNs;
  }

  void request(int chunk) {
    DataSession s = session;
    if (s != null && active) {
      s.request(chunk);
    }
  }

  void cancel(int chunk) {
    DataSession s = session;
    if (s != null) {
      s.cancel(chunk);
    }
  }

  void drop() {
    active = false;
    close();
  }

  /** Whether the relay carries this source's chunks ({@link RealStreamSession#RELAYED}). */
  boolean relayed() {
    return transportName.endsWith(RealStreamSession.RELAYED);
  }

  /**
   * The active source of {@code all} that is this one's peer reached through a relay, other than
   * this one, or null: this source is then a second path to that peer.
   */
  @Nullable SessionSource relayedTwin(List<SessionSource> all) {
    for (SessionSource s : all) {
      if (s != this && s.active && s.relayed() && s.spec.peer().equals(spec.peer())) {
        return s;
      }
    }
    return null;
  }

  /** The transport the source's chunks come over now: its own, or its fallback's. */
  String transportName() {
    return transportName;
  }

  void close() {
    DataSession s = session;
    if (s != null) {
      s.close();
    }
  }

  SourceStats stats() {
    return new SourceStats(spec.peer(), bytes, chunks, badChunks,
        Duration.ofNanos(Math.max(0, rttNs)), bytesPerSecond, active, transportName);
  }

  /** What the source holds, as far as the session knows; on the agent thread. */
  BitSet currentAvailability() {
    BitSet has = spec.availability() == null ? allOf(agent.manifest().chunkCount()) : (BitSet) spec.availability().clone();
    has.andNot(unavailable);
    return has;
  }

  @Override
  public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
    agent.onFragment(this, chunkIndex, offset, data);
  }

  @Override
  public void onUnavailable(int chunkIndex) {
    agent.onUnavailable(this, chunkIndex);
  }

  @Override
  public void onClosed(DataSession.CloseReason reason) {
    if (reason != DataSession.CloseReason.LOCAL_CLOSE) {
      agent.onSourceClosed(this, "data session ended: " + reason,
          reason == DataSession.CloseReason.CONNECTION_LOST);
    }
  }

  /** Whether opening failed because the path is blocked, not because the source refused. */
  private static boolean unreachable(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return c instanceof ControlException e && e.code() == ControlErrorCode.UNAVAILABLE;
  }

  private static String message(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return String.valueOf(c.getMessage());
  }

  private static BitSet allOf(int chunks) {
    BitSet all = new BitSet(chunks);
    all.set(0, chunks);
    return all;
  }
}
