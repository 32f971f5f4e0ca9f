package io.loudp2p.examples.gateway;

import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The stream sessions a gateway holds: at most {@code max} at once, each lent to one response at a
 * time, kept open a little while after a response so that the next request for the same track (a
 * seek, usually) skips the manifest fetch and source setup.
 *
 * <p>It also tells which of its sessions shows a track's swarm best ({@link #watch}), and hands
 * every session to a {@code retiring} callback just before closing it, so that its last state can
 * still be shown once it is gone.
 *
 * <p>Thread-safe. Time is passed in ({@code nowNs}) so tests can drive it.
 */
final class SessionPool implements AutoCloseable {
  /** No session can be opened now: every slot is lent out. */
  static final class NoCapacityException extends Exception {
    NoCapacityException(int max) {
      super("all " + max + " stream sessions are in use");
    }
  }

  /** Idle sessions kept per track; more would only hold sources for nothing. */
  private static final int MAX_IDLE_PER_TRACK = 2;

  private final Function<TrackId, CompletableFuture<StreamSession>> opener;
  private final int max;
  private final long idleNs;
  private final long openTimeoutNs;
  private final long stallNs;
  private final Consumer<StreamSession> retiring;

  private final Map<TrackId, Deque<Idle>> idle = new HashMap<>();
  private final Set<Lease> lent = new HashSet<>();
  private int open;
  private boolean closed;

  private record Idle(StreamSession session, long sinceNs) {}

  SessionPool(Function<TrackId, CompletableFuture<StreamSession>> opener, int max, Duration idle,
      Duration openTimeout, Duration stall) {
    this(opener, max, idle, openTimeout, stall, s -> { });
  }

  /**
   * A pool that calls {@code retiring} with each session it is about to close, on the closing
   * thread and outside its lock; what the callback throws is ignored.
   */
  SessionPool(Function<TrackId, CompletableFuture<StreamSession>> opener, int max, Duration idle,
      Duration openTimeout, Duration stall, Consumer<StreamSession> retiring) {
    if (max < 1) {
      throw new IllegalArgumentException("at least one session, got " + max);
    }
    this.opener = opener;
    this.max = max;
    this.idleNs = idle.toNanos();
    this.openTimeoutNs = openTimeout.toNanos();
    this.stallNs = stall.toNanos();
    this.retiring = retiring;
  }

  /**
   * Lends a session for {@code track}: an idle one if there is one, else a new one (waiting at most
   * the open timeout).
   *
   * @throws NoCapacityException when every slot is lent out
   * @throws TimeoutException when the new session did not open in time
   * @throws IOException when it cannot be opened (the cause says why)
   */
  Lease acquire(TrackId track, long nowNs)
      throws NoCapacityException, TimeoutException, IOException {
    StreamSession evicted = null;
    List<StreamSession> stale = new ArrayList<>();
    Lease reused = null;
    try {
      synchronized (this) {
        if (closed) {
          throw new IOException("gateway closed");
        }
        Deque<Idle> forTrack = idle.get(track);
        while (reused == null && forTrack != null && !forTrack.isEmpty()) {
          StreamSession s = forTrack.pollLast().session();
          if (healthy(s)) {
            reused = lend(s, true, nowNs);
          } else {
            open--;
            stale.add(s);
          }
        }
        if (forTrack != null && forTrack.isEmpty()) {
          idle.remove(track);
        }
        if (reused == null) {
          if (open >= max) {
            evicted = takeOldestIdle();
            if (evicted == null) {
              throw new NoCapacityException(max);
            }
          } else {
            open++;
          }
        }
      }
    } finally {
      stale.forEach(this::retire);
    }
    if (reused != null) {
      return reused;
    }
    if (evicted != null) {
      retire(evicted); // its slot passes to the new session
    }
    StreamSession session;
    try {
      session = opener.apply(track).get(openTimeoutNs, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      released();
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
    } catch (InterruptedException e) {
      released();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while opening a stream session", e);
    } catch (TimeoutException | RuntimeException e) {
      released();
      throw e;
    }
    synchronized (this) {
      if (!closed) {
        return lend(session, false, nowNs);
      }
    }
    session.close();
    throw new IOException("gateway closed");
  }

  private Lease lend(StreamSession s, boolean reused, long nowNs) {
    Lease lease = new Lease(s, reused, nowNs);
    lent.add(lease);
    return lease;
  }

  private synchronized void released() {
    open--;
  }

  private static boolean healthy(StreamSession s) {
    return !s.completion().isCompletedExceptionally();
  }

  private @Nullable StreamSession takeOldestIdle() {
    TrackId oldestTrack = null;
    long oldest = Long.MAX_VALUE;
    for (Map.Entry<TrackId, Deque<Idle>> e : idle.entrySet()) {
      long since = e.getValue().peekFirst().sinceNs();
      if (since < oldest) {
        oldest = since;
        oldestTrack = e.getKey();
      }
    }
    if (oldestTrack == null) {
      return null;
    }
    Deque<Idle> q = idle.get(oldestTrack);
    StreamSession s = q.pollFirst().session();
    if (q.isEmpty()) {
      idle.remove(oldestTrack);
    }
    return s;
  }

  /**
   * Closes idle sessions unused for the idle time, and sessions of responses that made no
   * progress for the stall time (which wakes their blocked reader with an IOException).
   */
  void sweep(long nowNs) {
    List<StreamSession> toClose = new ArrayList<>();
    synchronized (this) {
      for (Iterator<Deque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
        Deque<Idle> q = it.next();
        while (!q.isEmpty() && nowNs - q.peekFirst().sinceNs() >= idleNs) {
          toClose.add(q.pollFirst().session());
          open--;
        }
        if (q.isEmpty()) {
          it.remove();
        }
      }
      for (Lease lease : lent) {
        if (!lease.retired && nowNs - lease.progressNs >= stallNs) {
          lease.retired = true;
          toClose.add(lease.session);
        }
      }
    }
    toClose.forEach(this::retire);
  }

  /** Closes a session after telling the retiring callback. */
  private void retire(StreamSession s) {
    try {
      retiring.accept(s);
    } catch (RuntimeException e) {
      // A view of the session's last state is not worth failing a close for.
    }
    s.close();
  }

  /**
   * The open session that shows {@code track}'s swarm best, or null when none is open: of those
   * lent to responses, the one that moved bytes last; else the idle one given back last. It may be
   * closed at any moment after.
   */
  synchronized @Nullable StreamSession watch(TrackId track) {
    Lease best = null;
    for (Lease l : lent) {
      if (!l.retired && l.session.trackId().equals(track) && (best == null || l.progressNs - best.progressNs > 0)) {
        best = l;
      }
    }
    if (best != null) {
      return best.session;
    }
    Deque<Idle> q = idle.get(track);
    return q == null || q.isEmpty() ? null : q.peekLast().session();
  }

  /** Sessions open now, lent and idle. */
  synchronized int open() {
    return open;
  }

  /** Closes every session, lent or idle; later acquisitions fail. */
  @Override
  public void close() {
    List<StreamSession> toClose = new ArrayList<>();
    synchronized (this) {
      closed = true;
      idle.values().forEach(q -> q.forEach(i -> toClose.add(i.session())));
      for (Lease l : lent) {
        if (!l.retired) {
          l.retired = true;
          toClose.add(l.session);
        }
      }
      idle.clear();
    }
    toClose.forEach(this::retire);
  }

  /** A session lent to one response; given back exactly once with {@link #release} or {@link #discard}. */
  final class Lease {
    private final StreamSession session;
    private final boolean reused;
    private volatile long progressNs;
    private boolean returned;
    /** Whether the pool closed the session while lent (stalled, or the pool closing). */
    private boolean retired;

    private Lease(StreamSession session, boolean reused, long nowNs) {
      this.session = session;
      this.reused = reused;
      this.progressNs = nowNs;
    }

    StreamSession session() {
      return session;
    }

    /** Whether the session served an earlier response. */
    boolean reused() {
      return reused;
    }

    /** Records that bytes moved, so the sweeper does not take the response for stalled. */
    void progress(long nowNs) {
      progressNs = nowNs;
    }

    /** Gives the session back for later requests, or closes it when it failed. */
    void release(long nowNs) {
      StreamSession toClose = null;
      synchronized (SessionPool.this) {
        if (!lent.remove(this) || returned) {
          return;
        }
        returned = true;
        if (retired) {
          open--;
        } else if (closed || !healthy(session)) {
          open--;
          toClose = session;
        } else {
          Deque<Idle> q = idle.computeIfAbsent(session.trackId(), k -> new ArrayDeque<>());
          q.addLast(new Idle(session, nowNs));
          if (q.size() > MAX_IDLE_PER_TRACK) {
            toClose = q.pollFirst().session();
            open--;
          }
        }
      }
      if (toClose != null) {
        retire(toClose);
      }
    }

    /** Closes the session: the response broke off and its state is unknown. */
    void discard() {
      synchronized (SessionPool.this) {
        if (!lent.remove(this) || returned) {
          return;
        }
        returned = true;
        open--;
        if (retired) {
          return;
        }
      }
      retire(session);
    }
  }
}
