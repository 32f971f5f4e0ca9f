package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.LocalContent;
import io.loudp2p.core.stream.internal.OwnCopy;
import io.loudp2p.core.stream.internal.RealStreamSession;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * This peer's own copy of a track, its shared file or its cache, as a source of a stream session:
 * the session asks it for chunks as it asks any peer, and it reads them from disk on {@code reader}
 * (one thread, so a session's callbacks never run at once), in fragments of at most {@link
 * DataTransport#MAX_FRAGMENT_PAYLOAD} bytes. The session checks what it reads against the
 * manifest as it checks a peer's chunks: a damaged cache is a source that lies, dropped, and the
 * chunk is fetched from the network. Its transport is named {@value #TRANSPORT} in the session's
 * source statistics, so that an app sees which bytes came from disk.
 */
final class LocalSource implements OwnCopy {
  /** The transport name a local source reports. */
  static final String TRANSPORT = "local";
  private static final InetSocketAddress NOWHERE =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private final LocalContent content;
  private final TrackId track;
  private final Executor reader;
  private final Runnable onLacking;
  private final AtomicBoolean lacked = new AtomicBoolean();

  private LocalSource(LocalContent content, TrackId track, Executor reader, Runnable onLacking) {
    this.content = content;
    this.track = track;
    this.reader = reader;
    this.onLacking = onLacking;
  }

  /**
   * The stream session source for the chunks of {@code track} this peer holds, {@code have} (null:
   * all of them). {@code onLacking} runs once, on the reader thread, the first time a chunk it was
   * to hold cannot be read (damaged on disk, say), before the session hears of it.
   */
  static RealStreamSession.Source of(PeerId self, LocalContent content, TrackId track,
      @Nullable BitSet have, Executor reader, Runnable onLacking) {
    byte[] id = new byte[DataSessionId.LENGTH];
    return new RealStreamSession.Source(self,
        new LocalSource(content, track, reader, onLacking), NOWHERE,
        DataSessionId.fromBytes(id), new byte[0], have, new byte[0], TRANSPORT, null);
  }

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, DataSession.Listener listener) {
    return content.reader(track).<CompletableFuture<DataSession>>map(
            r -> CompletableFuture.completedFuture(new Session(id, r, listener)))
        .orElseGet(() -> CompletableFuture.failedFuture(new ControlException(
            ControlErrorCode.NOT_FOUND, "this peer no longer holds " + track)));
  }

  @Override
  public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(
        "a local source serves only its own peer"));
  }

  @Override
  public void close() {}

  /** One session over the reader; its wants are served in order, one chunk at a time. */
  private final class Session implements DataSession {
    private final DataSessionId id;
    private final LocalContent.Reader chunks;
    private final DataSession.Listener listener;
    private final Set<Integer> wanted = new LinkedHashSet<>(); // guarded by this
    /** The fragment handed to the listener, filled again for each: read on the reader thread. */
    private final ByteBuffer piece = ByteBuffer.allocate(DataTransport.MAX_FRAGMENT_PAYLOAD);
    private boolean scheduled; // guarded by this
    private boolean closed; // guarded by this

    Session(DataSessionId id, LocalContent.Reader chunks, DataSession.Listener listener) {
      this.id = id;
      this.chunks = chunks;
      this.listener = listener;
    }

    @Override
    public DataSessionId id() {
      return id;
    }

    @Override
    public InetSocketAddress remote() {
      return NOWHERE;
    }

    @Override
    public synchronized void request(int chunkIndex) {
      if (chunkIndex < 0) {
        throw new IllegalArgumentException("negative chunk index " + chunkIndex);
      }
      if (closed) {
        return;
      }
      wanted.add(chunkIndex);
      if (!scheduled) {
        scheduled = true;
        try {
          reader.execute(this::serve);
        } catch (RejectedExecutionException e) {
          scheduled = false; // the peer is closing: its sessions end with it
        }
      }
    }

    @Override
    public synchronized void cancel(int chunkIndex) {
      wanted.remove(chunkIndex);
    }

    /** Serves the wanted chunks, on the reader thread, until none is left. */
    private void serve() {
      while (true) {
        int index;
        synchronized (this) {
          if (closed || wanted.isEmpty()) {
            scheduled = false;
            return;
          }
          index = wanted.iterator().next();
          wanted.remove(index);
        }
        int length = chunks.chunkLength(index);
        if (length < 0) {
          if (lacked.compareAndSet(false, true)) {
            onLacking.run();
          }
          listener.onUnavailable(index);
          continue;
        }
        for (int offset = 0; offset < length; offset += DataTransport.MAX_FRAGMENT_PAYLOAD) {
          piece.clear().limit(Math.min(DataTransport.MAX_FRAGMENT_PAYLOAD, length - offset));
          chunks.read(index, offset, piece);
          piece.flip();
          synchronized (this) {
            if (closed) {
              return; // no callback after the close's
            }
          }
          listener.onFragment(index, offset, piece);
        }
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        wanted.clear();
      }
      try {
        reader.execute(() -> {
          chunks.close();
          listener.onClosed(CloseReason.LOCAL_CLOSE);
        });
      } catch (RejectedExecutionException e) {
        chunks.close();
        listener.onClosed(CloseReason.LOCAL_CLOSE);
      }
    }
  }
}
