package io.loudp2p.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance test every {@link ControlTransport} passes: a subclass supplies the transports
 * and inherits the tests, so that simulations over the in-memory transport can trust it to behave
 * as the transports of real networks do.
 *
 * <p>What a caller and a handler see: unary and streaming answers, errors with their code and
 * description, deadlines, unreachable endpoints, the size limit, the method reaching the handler
 * unchanged, answers given later from another thread, what closing does, and binding port 0. The
 * bytes here are no envelopes: a transport carries any bytes, unread. Every wait is bounded by
 * {@link #timeout()}; nothing sleeps.
 */
public abstract class AbstractControlTransportTest {
  /** The size limit of the transports made for the size tests. */
  protected static final int SMALL_LIMIT = 4096;

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final ExecutorService elsewhere = Executors.newSingleThreadExecutor();

  /**
   * A new transport that sends and serves messages of at most {@code maxMessageBytes}; closed by
   * this test.
   */
  protected abstract ControlTransport newTransport(int maxMessageBytes) throws Exception;

  /** The address a server binds, with port 0 for a free port. */
  protected abstract InetSocketAddress bindAddress();

  /** A control endpoint at which nothing listens. */
  protected abstract InetSocketAddress unreachableEndpoint() throws Exception;

  /**
   * Lets {@code duration} pass on the transports' clock. Real transports run on the real clock,
   * which passes while the test waits; a simulated one moves its own.
   */
  protected void letTimePass(Duration duration) {}

  /** The bound on every wait. */
  protected Duration timeout() {
    return Duration.ofSeconds(10);
  }

  @AfterEach
  void closeEverything() throws Exception {
    elsewhere.shutdownNow();
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private ControlTransport transport(int maxMessageBytes) throws Exception {
    ControlTransport t = newTransport(maxMessageBytes);
    toClose.add(t);
    return t;
  }

  private ControlTransport transport() throws Exception {
    return transport(TransportOptions.DEFAULT_MAX_MESSAGE_BYTES);
  }

  private InetSocketAddress serve(ControlTransport server, ControlHandler handler) throws Exception {
    return listen(server, handler).address();
  }

  private TransportServer listen(ControlTransport server, ControlHandler handler) throws Exception {
    return server.listen(bindAddress(), handler).get(timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** What {@code f} failed with, once it did. */
  private Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the call succeeded");
  }

  private static ControlException controlFailure(Throwable t, ControlErrorCode code) {
    assertThat(t).isInstanceOf(ControlException.class);
    ControlException e = (ControlException) t;
    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
    return e;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static ControlHandler echo() {
    return (request, remote, method, responder) -> {
      if (method.streaming()) {
        responder.next(request);
        responder.complete();
      } else {
        responder.reply(request);
      }
    };
  }

  @Test
  void aUnaryCallIsAnsweredWithTheBytesTheHandlerReplied() throws Exception {
    List<byte[]> seen = new CopyOnWriteArrayList<>();
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) -> {
      seen.add(request);
      responder.reply(bytes("pong:" + text(request)));
    });

    byte[] answer = await(transport().call(at, ControlMethod.GET_MANIFEST, bytes("ping"),
        Duration.ofSeconds(5)));

    assertThat(text(answer)).isEqualTo("pong:ping");
    assertThat(seen).singleElement().satisfies(r -> assertThat(text(r)).isEqualTo("ping"));
  }

  @Test
  void aStreamingCallGetsEveryResponseInOrderThenCompletes() throws Exception {
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) -> {
      for (int i = 0; i < 5; i++) {
        responder.next(bytes("hit" + i));
      }
      responder.complete();
    });
    List<String> got = new CopyOnWriteArrayList<>();

    await(transport().callStreaming(at, ControlMethod.SEARCH, bytes("q"), Duration.ofSeconds(5),
        b -> got.add(text(b))));

    assertThat(got).containsExactly("hit0", "hit1", "hit2", "hit3", "hit4");
  }

  @Test
  void aStreamThatFailsDeliversWhatCameBeforeThenTheError() throws Exception {
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) -> {
      responder.next(bytes("hit0"));
      responder.next(bytes("hit1"));
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "too many searches");
    });
    List<String> got = new CopyOnWriteArrayList<>();

    Throwable t = failure(transport().callStreaming(at, ControlMethod.SEARCH, bytes("q"),
        Duration.ofSeconds(5), b -> got.add(text(b))));

    assertThat(controlFailure(t, ControlErrorCode.RESOURCE_EXHAUSTED))
        .hasMessageContaining("too many searches");
    assertThat(got).containsExactly("hit0", "hit1");
  }

  @Test
  void everyErrorCodeReachesTheCallerWithItsDescription() throws Exception {
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) ->
        responder.fail(ControlErrorCode.valueOf(text(request)),
            "RULE_" + text(request) + ": what failed"));
    ControlTransport client = transport();

    for (ControlErrorCode code : ControlErrorCode.values()) {
      Throwable unary = failure(client.call(at, ControlMethod.SHUFFLE, bytes(code.name()),
          Duration.ofSeconds(5)));
      assertThat(controlFailure(unary, code)).hasMessageContaining("RULE_" + code + ": what failed");
      Throwable streaming = failure(client.callStreaming(at, ControlMethod.SEARCH,
          bytes(code.name()), Duration.ofSeconds(5), b -> { }));
      assertThat(controlFailure(streaming, code))
          .hasMessageContaining("RULE_" + code + ": what failed");
    }
  }

  @Test
  void aHandlerThatThrowsIsAnInternalError() throws Exception {
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) -> {
      throw new IllegalStateException("a bug");
    });

    controlFailure(failure(transport().call(at, ControlMethod.EXCHANGE_PEERS, bytes("x"),
        Duration.ofSeconds(5))), ControlErrorCode.INTERNAL);
  }

  @Test
  void aCallWhoseDeadlinePassesFailsWithATimeoutAndTheHandlerSeesItCancelled() throws Exception {
    AtomicReference<ControlResponder> held = new AtomicReference<>();
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) ->
        held.set(responder));
    ControlTransport client = transport();

    CompletableFuture<byte[]> unary =
        client.call(at, ControlMethod.ANNOUNCE_ROLE, bytes("x"), Duration.ofMillis(300));
    Await.until(() -> held.get() != null, timeout(), "the request reached the handler");
    ControlResponder first = held.getAndSet(null);
    CompletableFuture<Void> streaming = client.callStreaming(at, ControlMethod.SEARCH, bytes("q"),
        Duration.ofMillis(300), b -> { });
    Await.until(() -> held.get() != null, timeout(), "the stream reached the handler");
    letTimePass(Duration.ofMillis(300));

    assertThat(failure(unary)).isInstanceOf(TimeoutException.class);
    assertThat(failure(streaming)).isInstanceOf(TimeoutException.class);
    Await.until(first::isCancelled, timeout(), "the handler sees the caller gone");
    first.reply(bytes("too late")); // accepted and ignored
  }

  @Test
  void anUnreachableEndpointIsUnavailable() throws Exception {
    InetSocketAddress nobody = unreachableEndpoint();
    ControlTransport client = transport();

    controlFailure(failure(client.call(nobody, ControlMethod.EXCHANGE_PEERS, bytes("x"),
        Duration.ofSeconds(5))), ControlErrorCode.UNAVAILABLE);
    controlFailure(failure(client.callStreaming(nobody, ControlMethod.SEARCH, bytes("q"),
        Duration.ofSeconds(5), b -> { })), ControlErrorCode.UNAVAILABLE);
  }

  @Test
  void aRequestOverTheServersLimitIsRefusedAsTooLargeWithoutReachingTheHandler() throws Exception {
    AtomicInteger handled = new AtomicInteger();
    ControlHandler echo = echo();
    InetSocketAddress at = serve(transport(SMALL_LIMIT), (request, remote, method, responder) -> {
          handled.incrementAndGet();
          echo.handle(request, remote, method, responder);
        });
    ControlTransport client = transport();

    byte[] atLimit = new byte[SMALL_LIMIT];
    assertThat(await(client.call(at, ControlMethod.OPEN_STREAM, atLimit, Duration.ofSeconds(5))))
        .isEqualTo(atLimit);
    byte[] over = new byte[SMALL_LIMIT + 1];
    assertThat(controlFailure(failure(client.call(at, ControlMethod.OPEN_STREAM, over,
        Duration.ofSeconds(5))), ControlErrorCode.RESOURCE_EXHAUSTED))
        .hasMessageContaining("TOO_LARGE");
    assertThat(controlFailure(failure(client.callStreaming(at, ControlMethod.SEARCH, over,
        Duration.ofSeconds(5), b -> { })), ControlErrorCode.RESOURCE_EXHAUSTED))
        .hasMessageContaining("TOO_LARGE");
    assertThat(handled).hasValue(1);
  }

  @Test
  void aRequestOverTheCallersLimitIsRefusedAsTooLargeWithoutBeingSent() throws Exception {
    AtomicInteger handled = new AtomicInteger();
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) -> {
      handled.incrementAndGet();
      responder.reply(request);
    });
    ControlTransport client =
        transport(SMALL_LIMIT);

    assertThat(controlFailure(failure(client.call(at, ControlMethod.EXCHANGE_PEERS,
        new byte[SMALL_LIMIT + 1], Duration.ofSeconds(5))), ControlErrorCode.RESOURCE_EXHAUSTED))
        .hasMessageContaining("TOO_LARGE");
    assertThat(handled).hasValue(0);
  }

  @Test
  void theMethodReachesTheHandlerUnchangedWithTheBytesUnread() throws Exception {
    List<ControlMethod> seen = new CopyOnWriteArrayList<>();
    List<byte[]> requests = new CopyOnWriteArrayList<>();
    ControlHandler echo = echo();
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) -> {
      seen.add(method);
      requests.add(request);
      echo.handle(request, remote, method, responder);
    });
    ControlTransport client = transport();
    // Not an envelope, and nothing like the method's body: carried all the same.
    byte[] odd = {(byte) 0xff, 0x00, 0x0a, 0x7f};

    for (ControlMethod method : ControlMethod.values()) {
      if (method.streaming()) {
        List<byte[]> got = new CopyOnWriteArrayList<>();
        await(client.callStreaming(at, method, odd, Duration.ofSeconds(5), got::add));
        assertThat(got).singleElement().isEqualTo(odd);
      } else {
        assertThat(await(client.call(at, method, odd, Duration.ofSeconds(5)))).isEqualTo(odd);
      }
    }
    assertThat(await(client.call(at, ControlMethod.EXCHANGE_PEERS, new byte[0],
        Duration.ofSeconds(5)))).isEmpty();

    assertThat(seen.subList(0, ControlMethod.values().length))
        .containsExactly(ControlMethod.values());
    assertThat(requests).hasSize(ControlMethod.values().length + 1)
        .allSatisfy(r -> assertThat(r.length == 0 || Arrays.equals(r, odd)).isTrue());
  }

  @Test
  void aMethodCalledTheWrongWayIsRefusedAtOnce() throws Exception {
    ControlTransport client = transport();
    InetSocketAddress at = serve(transport(), echo());
    for (ControlMethod method : ControlMethod.values()) {
      if (method.streaming()) {
        assertThatThrownBy(() -> client.call(at, method, bytes("x"), Duration.ofSeconds(5)))
            .isInstanceOf(IllegalArgumentException.class);
      } else {
        assertThatThrownBy(() -> client.callStreaming(at, method, bytes("x"), Duration.ofSeconds(5),
            b -> { })).isInstanceOf(IllegalArgumentException.class);
      }
    }
    assertThatThrownBy(() -> client.call(at, ControlMethod.SHUFFLE, bytes("x"), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aHandlerMayAnswerLaterFromAnotherThread() throws Exception {
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) ->
        elsewhere.execute(() -> {
          if (method.streaming()) {
            responder.next(bytes("later:" + text(request)));
            responder.next(bytes("and again"));
            responder.complete();
          } else {
            responder.reply(bytes("later:" + text(request)));
          }
        }));
    ControlTransport client = transport();

    assertThat(text(await(client.call(at, ControlMethod.CHECK_REACHABILITY, bytes("x"),
        Duration.ofSeconds(5))))).isEqualTo("later:x");
    List<String> got = new CopyOnWriteArrayList<>();
    await(client.callStreaming(at, ControlMethod.SEARCH, bytes("q"), Duration.ofSeconds(5),
        b -> got.add(text(b))));
    assertThat(got).containsExactly("later:q", "and again");
  }

  @Test
  void theResponderKeepsItsContract() throws Exception {
    List<Throwable> misuses = new CopyOnWriteArrayList<>();
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) -> {
      try {
        responder.next(bytes("not on a unary call"));
      } catch (IllegalStateException e) {
        misuses.add(e);
      }
      responder.reply(bytes("ok"));
      try {
        responder.fail(ControlErrorCode.INTERNAL, "twice");
      } catch (IllegalStateException e) {
        misuses.add(e);
      }
    });

    assertThat(text(await(transport().call(at, ControlMethod.EXCHANGE_PEERS, bytes("x"),
        Duration.ofSeconds(5))))).isEqualTo("ok");
    assertThat(misuses).hasSize(2);
  }

  @Test
  void closingTheCallerFailsItsPendingCallsAndLaterOnes() throws Exception {
    List<ControlResponder> held = new CopyOnWriteArrayList<>();
    InetSocketAddress at = serve(transport(), (request, remote, method, responder) ->
        held.add(responder));
    ControlTransport client = transport();
    CompletableFuture<byte[]> unary =
        client.call(at, ControlMethod.EXCHANGE_PEERS, bytes("x"), Duration.ofSeconds(30));
    CompletableFuture<Void> streaming = client.callStreaming(at, ControlMethod.SEARCH, bytes("q"),
        Duration.ofSeconds(30), b -> { });
    Await.until(() -> held.size() == 2, timeout(), "both requests reached the handler");

    client.close();
    client.close();

    controlFailure(failure(unary), ControlErrorCode.UNAVAILABLE);
    controlFailure(failure(streaming), ControlErrorCode.UNAVAILABLE);
    controlFailure(failure(client.call(at, ControlMethod.EXCHANGE_PEERS, bytes("x"),
        Duration.ofSeconds(5))), ControlErrorCode.UNAVAILABLE);
    Await.until(() -> held.stream().allMatch(ControlResponder::isCancelled), timeout(),
        "the handler sees the callers gone");
  }

  @Test
  void closingTheServerFailsTheCallsItIsAnswering() throws Exception {
    List<ControlResponder> held = new CopyOnWriteArrayList<>();
    TransportServer server = listen(transport(), (request, remote, method, responder) ->
        held.add(responder));
    ControlTransport client = transport();
    CompletableFuture<byte[]> pending = client.call(server.address(), ControlMethod.EXCHANGE_PEERS,
        bytes("x"), Duration.ofSeconds(30));
    Await.until(() -> held.size() == 1, timeout(), "the request reached the handler");

    server.close();
    server.close();

    controlFailure(failure(pending), ControlErrorCode.UNAVAILABLE);
    controlFailure(failure(client.call(server.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"),
        Duration.ofSeconds(5))), ControlErrorCode.UNAVAILABLE);
  }

  @Test
  void listeningOnPortZeroReportsTheBoundAddressAndItCannotBeBoundTwice() throws Exception {
    ControlTransport server = transport();
    TransportServer listening = listen(server, echo());

    assertThat(listening.address().getPort()).isPositive();
    assertThat(text(await(transport().call(listening.address(), ControlMethod.EXCHANGE_PEERS,
        bytes("x"), Duration.ofSeconds(5))))).isEqualTo("x");
    controlFailure(failure(server.listen(listening.address(), echo())),
        ControlErrorCode.UNAVAILABLE);
  }
}
