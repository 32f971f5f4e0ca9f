package io.loudp2p.examples;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits on the library's futures for the commands: a future that does not finish in time, or
 * fails, becomes a one-line {@link UserError} that says what was being waited for.
 */
final class Await {
  private Await() {}

  /**
   * The future's result, waiting at most {@code timeout}.
   *
   * @param what what the future is, for the message: "the search for 'x'"
   * @param failed the exit code when the future failed; a timeout is always {@link UserError#FAILURE}
   * @throws UserError when the time passes ("… got no answer within 10 s") or the future fails
   *     ("… failed: " and the cause's message); a UserError it failed with is thrown as it is
   */
  static <T> T result(Future<T> future, Duration timeout, String what, int failed)
      throws InterruptedException {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new UserError(UserError.FAILURE, what + " got no answer within " + duration(timeout), e);
    } catch (ExecutionException e) {
      Throwable cause = cause(e);
      if (cause instanceof UserError u) {
        throw u;
      }
      throw new UserError(failed, what + " failed: " + message(cause), cause);
    }
  }

  /** The innermost cause past the wrappers of ExecutionException and CompletionException. */
  static Throwable cause(Throwable t) {
    Throwable c = t;
    while ((c instanceof ExecutionException || c instanceof CompletionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /** One line about {@code t}: its message, or its kind when it has none. */
  static String message(Throwable t) {
    Throwable c = cause(t);
    if (c instanceof TimeoutException) {
      return c.getMessage() == null ? "gave up waiting for an answer" : "gave up waiting: " + c.getMessage();
    }
    String m = c.getMessage();
    if (m == null || m.isBlank()) {
      return c.getClass().getSimpleName();
    }
    int newline = m.indexOf('\n');
    return newline < 0 ? m : m.substring(0, newline);
  }

  /** {@code 10 s}, or {@code 250 ms} below a whole second. */
  static String duration(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
