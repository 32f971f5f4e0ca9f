package io.loudp2p.core.peer;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * What a peer listens with: each request goes to its inbound dispatcher once the peer has every
 * part (before, and once it stopped, requests are refused {@code UNAVAILABLE}); the chunks of a
 * control endpoint that carries them (gRPC-Web) come from its stream server. Set up by the peer's
 * start, one field at a time; thread-safe.
 */
final class PeerControlHandler implements ControlHandler {
  private volatile @Nullable InboundDispatcher inbound;
  private volatile @Nullable StreamServer server;
  private volatile boolean stopped;

  /** The stream server exists: its chunks may be served. */
  void serving(StreamServer streams) {
    server = streams;
  }

  /** Every part exists: requests are answered from now on. */
  void answering(InboundDispatcher dispatcher) {
    inbound = dispatcher;
  }

  /** The peer stops: nothing more is answered or served. */
  void stop() {
    stopped = true;
  }

  @Override
  public void handle(byte[] request, InetSocketAddress remote, ControlMethod method,
      ControlResponder responder) {
    InboundDispatcher d = inbound;
    if (d == null || stopped) {
      responder.fail(ControlErrorCode.UNAVAILABLE, stopped ? "peer stopped" : "peer starting");
      return;
    }
    d.handle(request, remote, method, responder);
  }

  @Override
  public @Nullable ChunkProvider chunks(String transport) {
    StreamServer s = server;
    return s == null || stopped ? null : s.provider(transport);
  }
}
