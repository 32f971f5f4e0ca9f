package io.loudp2p.core.internal;

import io.loudp2p.Loudp2pException;
import io.loudp2p.Loudp2pException.Code;
import io.loudp2p.core.identity.IdentityFileException;
import io.loudp2p.spi.ControlException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The one table from what the core and its transports fail with to the API's {@link
 * Loudp2pException}: every future the API hands out passes through {@link #mapped}, every
 * exception thrown to a caller through {@link #of}. The original stays as the cause.
 *
 * <ul>
 *   <li>a {@link Loudp2pException}: as it is;
 *   <li>a {@link ControlException}: NOT_FOUND as NOT_FOUND, UNAVAILABLE as UNREACHABLE,
 *       RESOURCE_EXHAUSTED as BUSY, MALFORMED, UNAUTHENTICATED and INTERNAL as REFUSED;
 *   <li>a {@link TimeoutException}: TIMEOUT;
 *   <li>a {@link CancellationException} or {@link RejectedExecutionException} (work cut short by a
 *       close): CLOSED;
 *   <li>a connection refused, no route or unknown host: UNREACHABLE;
 *   <li>an identity file that cannot be used, or an {@link IllegalArgumentException}: INVALID;
 *   <li>any other {@link IOException} (a port in use, a disk): IO;
 *   <li>anything else: UNAVAILABLE.
 * </ul>
 *
 * <p>Whatever the failure, once the peer is closed it is CLOSED. Stateless; thread-safe.
 */
public final class ApiErrors {
  private ApiErrors() {}

  /** {@code t} (unwrapped from completion and execution wrappers) as the API's exception. */
  public static Loudp2pException of(Throwable t) {
    return of(t, false);
  }

  /**
   * {@code t} as the API's exception; CLOSED when {@code closed}, whatever it was (a transport that
   * was shut down fails its calls with its own errors).
   */
  public static Loudp2pException of(Throwable t, boolean closed) {
    Throwable c = unwrap(t);
    if (closed) {
      if (c instanceof Loudp2pException l && l.code() == Code.CLOSED) {
        return l;
      }
      return new Loudp2pException(Code.CLOSED, "peer closed", c);
    }
    if (c instanceof Loudp2pException l) {
      return l;
    }
    return new Loudp2pException(code(c), message(c), c);
  }

  /**
   * A future that completes as {@code inner} does, but fails with a {@link Loudp2pException}
   * only. Cancelling it cancels {@code inner}.
   *
   * @param closed read when {@code inner} fails: whether the peer is closed by then
   */
  public static <T> CompletableFuture<T> mapped(CompletableFuture<T> inner,
      BooleanSupplier closed) {
    return mapped(inner, closed, v -> {});
  }

  /**
   * Like {@link #mapped(CompletableFuture, BooleanSupplier)}; a result that arrives after the
   * caller cancelled is handed to {@code unwanted} (to close it).
   */
  public static <T> CompletableFuture<T> mapped(CompletableFuture<T> inner,
      BooleanSupplier closed, Consumer<? super T> unwanted) {
    CompletableFuture<T> out = new CompletableFuture<>();
    inner.whenComplete((v, t) -> {
      if (t == null) {
        if (!out.complete(v)) {
          unwanted.accept(v);
        }
      } else {
        out.completeExceptionally(of(t, closed.getAsBoolean()));
      }
    });
    out.whenComplete((v, t) -> {
      if (out.isCancelled()) {
        inner.cancel(false);
      }
    });
    return out;
  }

  /** The innermost cause past {@link CompletionException} and {@link ExecutionException}. */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private static Code code(Throwable c) {
    if (c instanceof ControlException e) {
      switch (e.code()) {
        case NOT_FOUND:
          return Code.NOT_FOUND;
        case UNAVAILABLE:
          return Code.UNREACHABLE;
        case RESOURCE_EXHAUSTED:
          return Code.BUSY;
        default:
          return Code.REFUSED;
      }
    }
    if (c instanceof TimeoutException) {
      return Code.TIMEOUT;
    }
    if (c instanceof CancellationException || c instanceof RejectedExecutionException) {
      return Code.CLOSED;
    }
    if (c instanceof BindException) {
      return Code.IO;
    }
    if (c instanceof ConnectException || c instanceof NoRouteToHostException
        || c instanceof UnknownHostException) {
      return Code.UNREACHABLE;
    }
    if (c instanceof IdentityFileException || c instanceof IllegalArgumentException) {
      return Code.INVALID;
    }
    if (c instanceof IOException) {
      return Code.IO;
    }
    return Code.UNAVAILABLE;
  }

  /**
   * One line about {@code c} (unwrapped already, see {@link #unwrap}): its message without a
   * control error's code prefix, or what it is when it has none.
   */
  public static String message(Throwable c) {
    String m = c.getMessage();
    if (c instanceof ControlException e && m != null && m.startsWith(e.code() + ": ")) {
      m = m.substring(e.code().name().length() + 2);
    }
    if (m == null || m.isBlank()) {
      return c instanceof TimeoutException ? "no answer in time" : c.getClass().getSimpleName();
    }
    int newline = m.indexOf('\n');
    return newline < 0 ? m : m.substring(0, newline);
  }
}
