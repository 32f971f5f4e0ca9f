package io.loudp2p.spi;

import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * The server side of a {@link ControlTransport}: answers request bytes from remote peers.
 *
 * <p>{@link #handle} is called once per incoming request, on a transport thread, possibly
 * concurrently for different requests, so implementations must be thread-safe. It must not block:
 * it may answer through the responder before returning or later from any thread.
 */
@FunctionalInterface
public interface ControlHandler {
  /**
   * Handles one request.
   *
   * @param request the request bytes exactly as the caller sent them (owned by the handler)
   * @param remote the address the request came from
   * @param method the method the caller called, as it named it; a streaming one ({@link
   *     ControlMethod#streaming()}) may be answered with several responses. The transport did not
   *     check that the request fits it: that is for the handler, after the signature.
   * @param responder where the answer goes; exactly one terminal method must be called on it
   */
  void handle(
      byte[] request, InetSocketAddress remote, ControlMethod method, ControlResponder responder);

  /**
   * The chunks of the sessions this handler's peer serves, for a control endpoint that carries
   * chunks too (gRPC-Web's {@code FetchChunkBatch}, PROTOCOL.md section 5): a provider whose
   * sessions are accepted and counted as the data transport named {@code transport}. The default
   * serves none.
   *
   * @param transport the name the provider's sessions and bytes are counted under
   * @return the provider, or {@code null} when this handler serves no chunks (yet)
   */
  default @Nullable ChunkProvider chunks(String transport) {
    return null;
  }
}
