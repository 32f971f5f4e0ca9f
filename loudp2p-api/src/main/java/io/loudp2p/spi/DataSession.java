package io.loudp2p.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The receiver's end of one data session with one source: a want list of chunk indexes and the
 * fragments that arrive for them.
 *
 * <p>Receiver-driven: the source sends only what is requested, in roughly the order requested,
 * and stops sending a chunk once it is cancelled. Delivery is best effort: a fragment may be lost,
 * duplicated or reordered; the receiver re-requests what it still misses.
 *
 * <p>Thread-safe: {@link #request}, {@link #cancel} and {@link #close} may be called from any
 * thread, including from inside a {@link Listener} callback.
 */
public interface DataSession extends AutoCloseable {
  /** Why a session ended. */
  enum CloseReason {
    /** The receiver called {@link DataSession#close()} or closed its transport. */
    LOCAL_CLOSE,
    /** The source stopped serving: its server or transport was closed. */
    SOURCE_CLOSED,
    /** The source refused the session (unknown session ID or bad handshake). */
    REFUSED,
    /** The source stopped answering or the path failed. */
    CONNECTION_LOST
  }

  /**
   * Receives what arrives on a session.
   *
   * <p>Callbacks run on the transport's own thread (an in-process transport may run them on the
   * thread that called into it), one at a time for a session (never concurrently). That thread is
   * usually shared: the UDP transport, for one, reads, decrypts and sends for many sessions on one
   * I/O thread, and the {@link #onFragment} of every session it serves runs there. A callback must
   * therefore not block (no I/O, no waiting on locks held for long, no waiting on other threads)
   * and should return quickly: copy or hand what it received to a queue and let another thread do
   * the work, or every session on that thread stalls with it. Callbacks may call back into the
   * session. No callback follows {@link #onClosed}.
   */
  interface Listener {
    /**
     * One fragment of a chunk arrived. Runs on the transport's thread and must not block.
     *
     * @param chunkIndex which chunk
     * @param offset where in the chunk the fragment starts
     * @param data the fragment bytes between position and limit; valid only during the call (copy
     *     what you keep) and not to be modified
     */
    void onFragment(int chunkIndex, int offset, ByteBuffer data);

    /** The source does not have a requested chunk; it will not be sent unless requested again. */
    void onUnavailable(int chunkIndex);

    /** The session ended; called exactly once. */
    void onClosed(CloseReason reason);
  }

  /** The session's ID. */
  DataSessionId id();

  /** The source's data address. */
  InetSocketAddress remote();

  /**
   * Adds a chunk to the want list; requesting a chunk again asks for all of it again (the way to
   * recover lost fragments). Ignored after the session closed.
   *
   * @throws IllegalArgumentException if the index is negative
   */
  void request(int chunkIndex);

  /** Removes a chunk from the want list; fragments already in flight may still arrive. */
  void cancel(int chunkIndex);

  /** Ends the session ({@link CloseReason#LOCAL_CLOSE}); idempotent and never throws. */
  @Override
  void close();
}
