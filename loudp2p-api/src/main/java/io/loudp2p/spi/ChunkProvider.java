package io.loudp2p.spi;

import io.loudp2p.PeerId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The source side of a {@link DataTransport}: decides which sessions it serves and reads the
 * chunks they ask for.
 *
 * <p>Thread-safe: the transport calls it from its own threads, possibly concurrently for
 * different sessions. Calls for one session never overlap. No method may block for long (reads
 * of a local file or cache are fine); none should throw, and an exception from {@link #readChunk}
 * is treated as the chunk being unavailable.
 */
public interface ChunkProvider {
  /**
   * Whether to serve a session that a receiver opens; called exactly once per opening attempt.
   *
   * @param session the ID agreed on the control plane
   * @param handshake the opaque bytes the receiver passed to {@link DataTransport#open}
   * @param remote where the request came from, as the transport saw it: a hint, not proof of who
   *     the receiver is (the UDP transport learns it from the first authenticated HELLO, before it
   *     has checked the address)
   */
  boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote);

  /**
   * Whether {@code session} is one this provider offered and has not ended, whatever a handshake
   * for it would get: a transport asks after {@link #accept} refused, to tell a receiver whether
   * the session is unknown here or its handshake was refused. The default knows every session.
   */
  default boolean knows(DataSessionId session) {
    return true;
  }

  /**
   * The peer that opened an accepted session, where the provider knows it (for loudp2p peers, the
   * signer of the stream initiation the handshake carries), or {@code null}. A transport counts
   * its limits on concurrent sessions against this peer rather than only against the receiver's
   * address, which many receivers behind one NAT share. The default knows no peer.
   */
  default @Nullable PeerId peerOf(DataSessionId session) {
    return null;
  }

  /**
   * Whether the receiver of an accepted session is known to listen at {@code from}'s host, so that
   * a transport may send it data before it proved so on the data path itself (for loudp2p peers:
   * the stream initiation came over a connection from that host, whose handshake showed that it
   * hears what is sent there). The default knows of no such host.
   */
  default boolean earlyData(DataSessionId session, InetSocketAddress from) {
    return false;
  }

  /**
   * The length in bytes of chunk {@code index} of the session's track, or {@code -1} when this
   * source does not have the chunk (or the index is out of range).
   */
  int chunkLength(DataSessionId session, int index);

  /**
   * Copies {@code dst.remaining()} bytes of chunk {@code index}, starting at {@code offset} within
   * the chunk, into {@code dst}, advancing its position. Only called for ranges inside a chunk
   * whose {@link #chunkLength} was not {@code -1}.
   */
  void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst);

  /** Called exactly once when an accepted session ends, whichever side ended it. */
  default void onSessionClosed(DataSessionId session) {}
}
