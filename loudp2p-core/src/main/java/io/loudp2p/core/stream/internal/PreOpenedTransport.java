package io.loudp2p.core.stream.internal;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One data session opened before the stream session that reads it exists: a receiver opens it as
 * soon as the source accepted, while the track's manifest is still on its way, so that the
 * opening's round trip (and an early request's first chunk) overlaps the manifest's transfer.
 * What arrives meanwhile is held, at most {@link #MAX_HELD} events, and handed to the stream
 * session's source once it opens this session through {@link #open}; beyond that bound events are
 * dropped (a chunk whose fragments were dropped is asked for again, as after a loss).
 *
 * <p>It is the {@link DataTransport} of that one source, so that the stream session opens it as
 * any other: {@link #open} gives the pre-opened session, once. Thread-safe: events come on the
 * transport's thread, {@link #open} and {@link #abandon} on any.
 */
public final class PreOpenedTransport implements DataTransport, DataSession.Listener {
  /** Events held before the stream session attaches: six chunks' fragments. */
  public static final int MAX_HELD = 96;

  private final DataTransport transport;
  private final DataSessionId id;
  private final int[] firstWants;
  private final long openedAtNs;
  private final long initiationRttNs;
  private final CompletableFuture<DataSession> session;
  private final ArrayDeque<Event> held = new ArrayDeque<>(); // guarded by this
  private DataSession.@Nullable Listener target; // guarded by this
  private boolean taken; // guarded by this
  private boolean abandoned; // guarded by this
  private long dropped; // guarded by this

  private sealed interface Event {}

  private record Fragment(int chunk, int offset, byte[] data) implements Event {}

  private record Unavailable(int chunk) implements Event {}

  private record Closed(DataSession.CloseReason reason) implements Event {}

  private PreOpenedTransport(DataTransport transport, InetSocketAddress source, DataSessionId id,
      byte[] handshake, byte[] sourceKey, int[] firstWants, long openedAtNs,
      long initiationRttNs) {
    this.transport = transport;
    this.id = id;
    this.firstWants = firstWants.clone();
    this.openedAtNs = openedAtNs;
    this.initiationRttNs = initiationRttNs;
    this.session = transport.open(source, id, handshake, sourceKey, firstWants, this);
  }

  /**
   * Opens session {@code id} on {@code transport} now, as {@link DataTransport#open(
   * InetSocketAddress, DataSessionId, byte[], byte[], int[], DataSession.Listener)} does, holding
   * what arrives until a stream session takes it.
   *
   * @param nowNs the time of the opening on the clock of the stream session that will take it,
   *     which times the answers to {@code firstWants} from then
   */
  public static PreOpenedTransport open(DataTransport transport, InetSocketAddress source,
      DataSessionId id, byte[] handshake, byte[] sourceKey, int[] firstWants, long nowNs) {
    return open(transport, source, id, handshake, sourceKey, firstWants, nowNs, 0);
  }

  /**
   * Opens a session as {@link #open(DataTransport, InetSocketAddress, DataSessionId, byte[],
   * byte[], int[], long)} does, whose stream initiation took {@code initiationRttNs} from request
   * to accept (0: not known): a round trip to the source, or more, which the stream session takes
   * as its round trip until it measured one.
   */
  public static PreOpenedTransport open(DataTransport transport, InetSocketAddress source,
      DataSessionId id, byte[] handshake, byte[] sourceKey, int[] firstWants, long nowNs,
      long initiationRttNs) {
    return new PreOpenedTransport(transport, source, id, handshake, sourceKey, firstWants, nowNs,
        initiationRttNs);
  }

  /** How long the stream initiation took from request to accept; 0 when not known. */
  public long initiationRttNs() {
    return initiationRttNs;
  }

  /** The chunks asked for in the opening. */
  public int[] firstWants() {
    return firstWants.clone();
  }

  /** When the session was opened, and its first wants sent, on the stream session's clock. */
  public long openedAtNs() {
    return openedAtNs;
  }

  /** Events dropped because none took them within {@link #MAX_HELD}. */
  public synchronized long dropped() {
    return dropped;
  }

  /**
   * Closes the session, when no stream session will take it (the stream did not start, or left
   * this source out). Idempotent.
   */
  public void abandon() {
    synchronized (this) {
      if (taken || abandoned) {
        return;
      }
      abandoned = true;
      held.clear();
    }
    session.thenAccept(DataSession::close);
  }

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId sessionId,
      byte[] handshake, DataSession.Listener listener) {
    synchronized (this) {
      if (!sessionId.equals(id) || taken || abandoned) {
        return CompletableFuture.failedFuture(new ControlException(ControlErrorCode.INTERNAL,
            "session " + sessionId + " was pre-opened once, as " + id));
      }
      taken = true;
      // What came before goes first, in order; later events go straight to the listener.
      for (Event e = held.poll(); e != null; e = held.poll()) {
        deliver(e, listener);
      }
      target = listener;
    }
    return session;
  }

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId sessionId,
      byte[] handshake, byte[] sourceKey, DataSession.Listener listener) {
    return open(source, sessionId, handshake, listener);
  }

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId sessionId,
      byte[] handshake, byte[] sourceKey, int[] firstWants, DataSession.Listener listener) {
    return open(source, sessionId, handshake, listener); // its first wants went with the opening
  }

  @Override
  public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
    return transport.serve(address, provider);
  }

  /** Closes nothing of the transport it opened on, which its owner closes. */
  @Override
  public void close() {}

  @Override
  public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
    DataSession.Listener to;
    synchronized (this) {
      to = target;
      if (to == null) {
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        hold(new Fragment(chunkIndex, offset, copy));
        return;
      }
    }
    to.onFragment(chunkIndex, offset, data);
  }

  @Override
  public void onUnavailable(int chunkIndex) {
    DataSession.Listener to;
    synchronized (this) {
      to = target;
      if (to == null) {
        hold(new Unavailable(chunkIndex));
        return;
      }
    }
    to.onUnavailable(chunkIndex);
  }

  @Override
  public void onClosed(DataSession.CloseReason reason) {
    DataSession.Listener to;
    synchronized (this) {
      to = target;
      if (to == null) {
        held.add(new Closed(reason)); // always kept: the end of the session is never dropped
        return;
      }
    }
    to.onClosed(reason);
  }

  private void hold(Event e) {
    if (abandoned || held.size() >= MAX_HELD) {
      dropped++;
      return;
    }
    held.add(e);
  }

  private static void deliver(Event e, DataSession.Listener to) {
    if (e instanceof Fragment f) {
      to.onFragment(f.chunk(), f.offset(), ByteBuffer.wrap(f.data()).asReadOnlyBuffer());
    } else if (e instanceof Unavailable u) {
      to.onUnavailable(u.chunk());
    } else if (e instanceof Closed c) {
      to.onClosed(c.reason());
    }
  }
}
