package io.loudp2p;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One track being played: its bytes, in order, fed by several peers at once.
 *
 * <p>{@link #inputStream()} blocks only until the next bytes have arrived and been checked against
 * the track ID; a source that stalls, fails or sends bad data is dropped (or banned) and its work
 * moves to the others without the reader seeing a gap. {@link #seek(long)} moves the read position
 * and the window the session fetches ahead of it.
 *
 * <p>Thread-safe, except that the input stream has one reader at a time. Lifecycle: a session
 * starts fetching when it is made, ends by itself when it fails, and is {@link #close()}d exactly
 * once by its owner (further closes do nothing), which stops fetching and wakes a blocked reader
 * with an {@link IOException}.
 */
public interface StreamSession extends AutoCloseable {
  /** The track being played. */
  TrackId trackId();

  /** The track's length in bytes. */
  long length();

  /**
   * The track's bytes from the read position on. There is one stream per session; a read blocks
   * until the bytes at its position are verified, and fails with an {@link IOException} once the
   * session failed or was closed.
   */
  InputStream inputStream();

  /**
   * Moves the read position to {@code byteOffset}: fetching starts there at once, without waiting
   * for earlier bytes.
   *
   * @throws IOException when the session is closed or failed
   * @throws IllegalArgumentException when the offset is outside the track
   */
  void seek(long byteOffset) throws IOException;

  /** The peers this session fetches from now, with what each delivered. */
  List<SourceStats> sources();

  /** A snapshot of what happened so far. */
  StreamStats stats();

  /**
   * Where each chunk of the track stands now and which source sent it, for a view of the swarm
   * at work. A session that keeps no such map (a test double, say) answers {@link
   * ChunkMap#empty()}.
   */
  default ChunkMap chunks() {
    return ChunkMap.empty();
  }

  /**
   * Completes when every byte of the track has been fetched and verified, or exceptionally with a
   * {@link Loudp2pException} when the session failed ({@link Loudp2pException.Code#UNAVAILABLE}:
   * no source can supply a chunk; {@link Loudp2pException.Code#UNREACHABLE}: no source could be
   * reached) or was closed before ({@link Loudp2pException.Code#CLOSED}). The listener's {@code
   * onFinished} or {@code onFailed} has returned by the time this completes.
   */
  CompletableFuture<Void> completion();

  /** Stops fetching and releases the session's resources; idempotent. */
  @Override
  void close();

  /**
   * Hears what happens in a session. Methods are called on the session's own thread, one at a
   * time, and must not block. Override what you need; {@link #NONE} hears nothing.
   */
  abstract class Listener {
    /** A listener that ignores every event. */
    public static final Listener NONE = new Listener() {};

    /** Fetching began (at the start, or after a seek) and bytes are not yet ready to read. */
    public void onBuffering(StreamSession session) {}

    /** The first verified bytes are ready to read. */
    public void onStarted(StreamSession session) {}

    /** The reader waits for bytes that have not arrived: playback is stalled. */
    public void onStalled(StreamSession session) {}

    /** Bytes arrived for a stalled reader. */
    public void onResumed(StreamSession session) {}

    /** A peer became a source of this session. */
    public void onSourceAdded(StreamSession session, PeerId source) {}

    /** A source stopped answering or went away; its work moved to the others. */
    public void onSourceDropped(StreamSession session, PeerId source, String reason) {}

    /**
     * The data session with a source moved from one transport to another: from its preferred one
     * ({@code from}, e.g. "udp" when datagrams are blocked) to a fallback ({@code to}, e.g.
     * "grpc"), or from a relay ("grpc-relayed") to a direct path ("udp") that opened once a punch
     * through the NATs could work.
     */
    public void onSourceFallback(StreamSession session, PeerId source, String from, String to,
        String reason) {}

    /** A source sent data that failed verification too often and will not be asked again. */
    public void onSourceBanned(StreamSession session, PeerId source, String reason) {}

    /** Every byte has been fetched and verified. */
    public void onFinished(StreamSession session) {}

    /**
     * The session cannot finish (no live source has a chunk it needs); it has ended. {@code cause}
     * is the {@link Loudp2pException} that {@link StreamSession#completion()} fails with.
     */
    public void onFailed(StreamSession session, Throwable cause) {}
  }
}
