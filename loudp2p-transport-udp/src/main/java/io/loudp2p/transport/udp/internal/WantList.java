package io.loudp2p.transport.udp.internal;

import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.util.ArrayDeque;
import java.util.HashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunks a source session is to send, in the order the receiver wanted them, each with how far
 * it got; what its {@link RequestLedger} decided to send goes in, and the chunks the provider does
 * not have come out as UNAVAILABLE answers. At most {@code maxWanted} chunks at once; a want
 * beyond that is answered UNAVAILABLE.
 *
 * <p>Not thread-safe: its session's I/O thread only.
 */
final class WantList {
  private static final Logger log = LoggerFactory.getLogger(UdpLoggers.UDP);
  /** For failures chunk by chunk: a provider that fails once fails every chunk. */
  private static final ThrottledLog perChunk = new ThrottledLog(log);

  /** One wanted chunk. */
  static final class Want {
    final int chunk;
    final int seq;
    /** The chunk's length once asked, -1 when the provider does not have it. */
    int length = -2;
    int offset;
    boolean cancelled;

    Want(int chunk, int seq) {
      this.chunk = chunk;
      this.seq = seq;
    }
  }

  private final DataSessionId id;
  private final ChunkProvider provider;
  private final int maxWanted;
  private final RequestLedger requests;
  private final ChunkQueue unavailableDue;
  private final ArrayDeque<Want> order = new ArrayDeque<>();
  private final HashMap<Integer, Want> wanted = new HashMap<>();

  WantList(DataSessionId id, ChunkProvider provider, int maxWanted, RequestLedger requests,
      ChunkQueue unavailableDue) {
    this.id = id;
    this.provider = provider;
    this.maxWanted = maxWanted;
    this.requests = requests;
    this.unavailableDue = unavailableDue;
  }

  /** Chunks listed, cancelled ones not yet dropped included. */
  int size() {
    return order.size();
  }

  /** Lists a chunk the ledger said to send, or answers it UNAVAILABLE. */
  void add(int chunk, int seq) {
    if (chunk < 0 || wanted.size() >= maxWanted) {
      // At or past 2^31 (never a chunk the provider has), or no room: answered UNAVAILABLE, or
      // dropped unanswered when that queue is full too.
      answerUnavailable(chunk, seq);
      return;
    }
    Want w = new Want(chunk, seq);
    wanted.put(chunk, w);
    order.add(w);
  }

  /** The ledger took a cancel of {@code chunk}. */
  void cancel(int chunk) {
    Want w = wanted.remove(chunk);
    if (w != null) {
      w.cancelled = true;
    }
    if (order.size() > 2 * maxWanted) {
      order.removeIf(x -> x.cancelled);
    }
  }

  /**
   * The head of the list with its length known, or null when the list is empty or its head
   * turned out unavailable (queued for its answer).
   */
  @Nullable Want next(long nowNs) {
    while (true) {
      Want w = order.peek();
      if (w == null) {
        return null;
      }
      if (w.cancelled) {
        order.poll();
        continue;
      }
      if (w.length == -2) {
        int length;
        try {
          length = provider.chunkLength(id, w.chunk);
        } catch (RuntimeException e) {
          perChunk.warn("chunk provider failed on the length of chunk {}", w.chunk, e);
          length = -1;
        }
        w.length = length;
      }
      if (w.length < 0) {
        finished(w);
        if (answerUnavailable(w.chunk, w.seq)) {
          return null;
        }
        continue; // no room to answer: dropped unanswered
      }
      if (w.offset >= w.length) {
        finished(w);
        requests.sent(w.chunk, w.seq, w.length, nowNs);
        continue;
      }
      return w;
    }
  }

  /** {@code n} more bytes of {@code w} went out for the first time. */
  void advanced(Want w, int n, long nowNs) {
    w.offset += n;
    if (w.offset >= w.length) {
      finished(w);
      requests.sent(w.chunk, w.seq, w.length, nowNs);
    }
  }

  /** The provider failed to read {@code chunk}: it is answered UNAVAILABLE. */
  void failed(int chunk, int seq) {
    Want w = wanted.get(chunk);
    if (w != null) {
      finished(w);
    }
    answerUnavailable(chunk, seq);
  }

  private boolean answerUnavailable(int chunk, int seq) {
    requests.answering(chunk, seq);
    return unavailableDue.add(chunk, seq);
  }

  private void finished(Want w) {
    order.remove(w);
    if (wanted.get(w.chunk) == w) {
      wanted.remove(w.chunk);
    }
  }
}
