package io.loudp2p.core.internal;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one {@link Agent} on a daemon thread of its own: calls {@link Agent#doWork} with the
 * clock's time until the agent is done or the runner is closed, and parks for at most one tick
 * whenever a cycle found nothing to do. {@link #wakeUp()} ends a park early, so work posted from
 * another thread is picked up at once.
 *
 * <p>Thread-safe. The agent's {@link Agent#onClose()} runs on the runner's thread as it ends.
 */
public final class AgentRunner implements AutoCloseable {
  // Stream sessions are the agents run on threads of their own.
  private static final Logger log = LoggerFactory.getLogger(Loggers.STREAM);

  private final Agent agent;
  private final LongSupplier clock;
  private final long idleNs;
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * Makes a runner; {@link #start()} starts its thread.
   *
   * @param clock the time handed to the agent, in nanoseconds ({@code System::nanoTime})
   * @param idleNs the longest park after a cycle without work
   */
  public AgentRunner(Agent agent, LongSupplier clock, long idleNs) {
    if (idleNs <= 0) {
      throw new IllegalArgumentException("idle time must be positive: " + idleNs);
    }
    this.agent = agent;
    this.clock = clock;
    this.idleNs = idleNs;
    this.thread = new Thread(this::run, agent.roleName());
    thread.setDaemon(true);
  }

  /** Starts the thread; call once. */
  public AgentRunner start() {
    thread.start();
    return this;
  }

  /** Ends the current park, if any, so that the agent runs a cycle now. */
  public void wakeUp() {
    LockSupport.unpark(thread);
  }

  /** Stops the runner after the current cycle; does not wait for it. Idempotent. */
  @Override
  public void close() {
    running = false;
    wakeUp();
  }

  /** Whether the runner's thread is still alive. */
  public boolean isRunning() {
    return thread.isAlive();
  }

  private void run() {
    try {
      while (running && !agent.isDone()) {
        if (agent.doWork(clock.getAsLong()) == 0 && running) {
          LockSupport.parkNanos(this, idleNs);
        }
      }
    } catch (RuntimeException | Error e) {
      log.error("agent {} failed", agent.roleName(), e);
    } finally {
      agent.onClose();
    }
  }
}
