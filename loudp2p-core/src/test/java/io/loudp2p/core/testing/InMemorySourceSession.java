package io.loudp2p.core.testing;

import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataTransport;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The source's end of a data session on an {@link InMemoryTransport}: it reads the chunks the
 * receiver wants from the server's provider and sends them one fragment per network task, through
 * the network's impairment.
 *
 * <p>Sending a fragment at a time, then queueing behind whatever else waits, lets cancels and
 * closes interleave with a transfer as they would on a paced link. Every state change happens
 * inside a network task; not thread-safe otherwise.
 */
final class InMemorySourceSession {
  private static final int MAX_FRAGMENT_PAYLOAD = DataTransport.MAX_FRAGMENT_PAYLOAD;

  private final InMemoryNetwork network;
  private final InMemoryDataServer server;
  private final InMemoryReceiverSession receiver;
  private final ArrayDeque<int[]> want = new ArrayDeque<>(); // {chunkIndex, nextOffset, length}
  private final ByteBuffer scratch = ByteBuffer.allocate(MAX_FRAGMENT_PAYLOAD);
  private boolean pumping;
  private boolean ended;

  InMemorySourceSession(
      InMemoryNetwork network, InMemoryDataServer server, InMemoryReceiverSession receiver) {
    this.network = network;
    this.server = server;
    this.receiver = receiver;
  }

  /** The receiver asked for {@code chunkIndex}: all of it, even if it was under way. */
  void want(int chunkIndex) {
    if (ended || network.isKilled(server.address())) {
      return;
    }
    int length;
    try {
      length = server.provider().chunkLength(receiver.id(), chunkIndex);
    } catch (RuntimeException e) {
      InMemoryTransportState.LOG.warn("chunk provider threw", e);
      length = -1;
    }
    if (length < 0) {
      network.enqueue(() -> receiver.unavailable(chunkIndex));
      return;
    }
    for (int[] w : want) {
      if (w[0] == chunkIndex) {
        w[1] = 0; // asked again: send all of it again
        return;
      }
    }
    want.add(new int[] {chunkIndex, 0, length});
    if (!pumping) {
      pumping = true;
      network.enqueue(this::pump);
    }
  }

  /** The receiver cancelled {@code chunkIndex}: what is left of it is not sent. */
  void unwant(int chunkIndex) {
    want.removeIf(w -> w[0] == chunkIndex);
  }

  /** Sends one fragment, then queues itself behind whatever else is waiting. */
  private void pump() {
    int[] w = want.peek();
    if (ended || w == null || network.isKilled(server.address())) {
      pumping = false;
      return;
    }
    int chunkIndex = w[0];
    int offset = w[1];
    int len = Math.min(MAX_FRAGMENT_PAYLOAD, w[2] - offset);
    w[1] += len;
    if (w[1] >= w[2]) {
      want.poll();
    }
    scratch.clear().limit(len);
    boolean read;
    try {
      server.provider().readChunk(receiver.id(), chunkIndex, offset, scratch);
      read = !scratch.hasRemaining();
    } catch (RuntimeException e) {
      InMemoryTransportState.LOG.warn("chunk provider threw", e);
      read = false;
    }
    if (!read) {
      want.removeIf(x -> x[0] == chunkIndex);
      network.enqueue(() -> receiver.unavailable(chunkIndex));
    } else {
      scratch.flip();
      switch (network.fate(server.address(), chunkIndex, offset, len)) {
        case DELIVER:
          receiver.fragment(chunkIndex, offset, scratch);
          break;
        case DROP:
          break;
        case DUPLICATE:
          receiver.fragment(chunkIndex, offset, scratch.duplicate());
          receiver.fragment(chunkIndex, offset, scratch);
          break;
        case DELAY:
          ByteBuffer copy = ByteBuffer.allocate(len).put(scratch).flip();
          network.enqueue(() -> receiver.fragment(chunkIndex, offset, copy));
          break;
      }
    }
    network.enqueue(this::pump);
  }

  /** Ends this session; tells the receiver why unless {@code reason} is null. */
  void end(DataSession.@Nullable CloseReason reason) {
    if (ended) {
      return;
    }
    ended = true;
    want.clear();
    server.forget(this);
    InMemoryTransportState.guard(() -> server.provider().onSessionClosed(receiver.id()));
    if (reason != null) {
      network.enqueue(() -> receiver.ended(reason));
    }
  }
}
