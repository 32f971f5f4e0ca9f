package io.loudp2p.core.internal;

/**
 * A unit of single-threaded work with a duty cycle: whoever drives it calls {@link #doWork} again
 * and again with the time, from one thread at a time. An {@link AgentRunner} drives it on a thread
 * of its own in production; a test drives it by hand on a fake clock.
 *
 * <p>An agent reads no clock: the time of every decision is the {@code nowNs} it was handed.
 * Other threads talk to it only through its own queues.
 */
public interface Agent {
  /**
   * Does what is due at {@code nowNs}.
   *
   * @param nowNs a monotonic time in nanoseconds, never less than at the previous call
   * @return how much work was done; 0 lets the driver idle until it is woken or a tick passes
   */
  int doWork(long nowNs);

  /** Whether the agent has ended and needs no more calls to {@link #doWork}. */
  boolean isDone();

  /** Called once by the driver after the last {@link #doWork}, on the same thread. */
  default void onClose() {}

  /** A short name for the agent's thread and logs. */
  String roleName();
}
