package io.loudp2p.transport.udp.internal;

import io.loudp2p.spi.AddressObservation;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One address observation (PROTOCOL.md section 8, "Address observation"): a new socket asks each
 * observer, with a nonce of its own, which address it came from, asks again those that have not
 * answered {@link #RESEND_MS} after the first time and then at doubling intervals, and completes
 * once every observer answered or its time is up. An answer counts only from the address the
 * request went to and with that request's nonce.
 *
 * <p>Runs on one I/O loop: everything but {@link #start} happens on its thread.
 */
final class AddressObserver implements IoLoop.Endpoint {
  /** When a request is first sent again; each later resend waits twice as long as the one before. */
  static final long RESEND_MS = 250;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final IoLoop loop;
  private final DatagramChannel channel;
  private final List<InetSocketAddress> observers;
  private final byte[][] nonces;
  private final @Nullable InetSocketAddress[] seen;
  private final long withinMs;
  private final InetSocketAddress local;
  final CompletableFuture<AddressObservation> done = new CompletableFuture<>();
  private int answered;

  AddressObserver(IoLoop loop, DatagramChannel channel, List<InetSocketAddress> observers,
      long withinMs) throws IOException {
    this.loop = loop;
    this.channel = channel;
    this.observers = List.copyOf(observers);
    this.nonces = new byte[observers.size()][Observations.NONCE_LENGTH];
    for (byte[] nonce : nonces) {
      RANDOM.nextBytes(nonce);
    }
    this.seen = new InetSocketAddress[observers.size()];
    this.withinMs = withinMs;
    this.local = (InetSocketAddress) channel.getLocalAddress();
  }

  /** Registers the socket and sends the first requests, on the loop; false when it has stopped. */
  boolean start() {
    return loop.execute(() -> {
      try {
        channel.register(loop.selector(), SelectionKey.OP_READ, this);
      } catch (IOException | RuntimeException e) {
        finish();
        return;
      }
      sendToSilent();
      after(RESEND_MS, RESEND_MS);
      after(withinMs, -1);
    });
  }

  /** Runs a resend (or, with {@code nextGapMs} below 0, the end) {@code delayMs} from now. */
  private void after(long delayMs, long nextGapMs) {
    Executor later = CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS);
    later.execute(() -> {
      boolean queued = loop.execute(() -> {
        if (done.isDone()) {
          return;
        }
        if (nextGapMs < 0) {
          finish();
        } else {
          sendToSilent();
          after(2 * nextGapMs, 2 * nextGapMs);
        }
      });
      if (!queued) {
        finish(); // the transport closed: its loop closed the socket
      }
    });
  }

  private void sendToSilent() {
    for (int i = 0; i < observers.size(); i++) {
      if (seen[i] == null) {
        try {
          channel.send(Observations.request(nonces[i]), observers.get(i));
        } catch (IOException | RuntimeException e) {
          // unreachable now (no route, say): the next resend tries again
        }
      }
    }
  }

  @Override
  public void onReadable(long nowNs) {
    ByteBuffer buf = loop.receiveBuffer;
    for (int n = 0; n < 64 && !done.isDone(); n++) {
      buf.clear();
      InetSocketAddress from;
      try {
        from = (InetSocketAddress) channel.receive(buf);
      } catch (IOException e) {
        return;
      }
      if (from == null) {
        return;
      }
      for (int i = 0; i < observers.size(); i++) {
        if (seen[i] == null && from.equals(observers.get(i))) {
          InetSocketAddress said = Observations.read(buf, buf.position(), nonces[i]);
          if (said != null) {
            seen[i] = said;
            if (++answered == observers.size()) {
              finish();
            }
          }
        }
      }
    }
  }

  private void finish() {
    if (done.isDone()) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      // closing is all that is left
    }
    List<Optional<InetSocketAddress>> out = new ArrayList<>();
    for (InetSocketAddress s : seen) {
      out.add(Optional.ofNullable(s));
    }
    done.complete(new AddressObservation(local, out));
  }
}
