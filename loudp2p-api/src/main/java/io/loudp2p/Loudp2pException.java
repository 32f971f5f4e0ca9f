package io.loudp2p;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Why an operation of the loudp2p API failed: the one exception its futures complete with, and
 * the one that {@link Peer.Builder#build()} (an identity file that cannot be used) and {@link
 * Peer#start()} (a shared folder that cannot be shared, a port that cannot be bound) throw for a
 * reason the caller can act on.
 *
 * <p>The {@link #code() code} says what to do next (search again, retry later, fix a file); the
 * message says what happened in one line, for people; {@link #getCause()} keeps what the
 * implementation met (a transport's error, a {@link java.util.concurrent.TimeoutException}, an
 * {@link java.io.IOException}), for logs. Programming errors (a null argument, a method called in
 * the wrong state) are still {@link IllegalArgumentException}s and {@link IllegalStateException}s,
 * thrown on the caller's thread.
 *
 * <p>Immutable and thread-safe.
 */
public final class Loudp2pException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, as far as the caller can act on it. */
  public enum Code {
    /** No peer known holds what was asked for (a track, its manifest): search for it first. */
    NOT_FOUND,
    /** The peers asked could not be reached: they are down, gone or behind a firewall. */
    UNREACHABLE,
    /**
     * Peers answered, but no answer could be used: they refused the request (it was malformed,
     * did not authenticate, or failed on their side), or what they sent did not check out.
     */
    REFUSED,
    /** The peers asked are overloaded, or this peer asked them too often: retry later. */
    BUSY,
    /** No answer came within the deadline. */
    TIMEOUT,
    /**
     * The peers holding a track stopped serving it: every source of a stream session failed or
     * went away, so a chunk it needs cannot be fetched now.
     */
    UNAVAILABLE,
    /**
     * Something the caller gave cannot be used: a shared folder that is not a readable folder, an
     * identity file that is corrupt or not an identity file.
     */
    INVALID,
    /** A local file or socket could not be used: a port already in use, a disk that failed. */
    IO,
    /** The peer or the session was closed before the operation finished. */
    CLOSED,
  }

  private final Code code;

  /** An exception with {@code code} and a one-line {@code message}. */
  public Loudp2pException(Code code, String message) {
    this(code, message, null);
  }

  /** An exception with {@code code}, a one-line {@code message} and what caused it. */
  public Loudp2pException(Code code, String message, @Nullable Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** What went wrong. */
  public Code code() {
    return code;
  }

  /** The code and the message: {@code NOT_FOUND: no known peer holds track …}. */
  @Override
  public String toString() {
    return "Loudp2pException " + code + ": " + getMessage();
  }
}
