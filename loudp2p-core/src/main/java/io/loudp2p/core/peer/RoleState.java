package io.loudp2p.core.peer;

import io.loudp2p.Role;
import java.time.Duration;

/**
 * This peer's role and the times its role policy weighs: when the peer started, when its role
 * last changed, and when another peer last reached it. Written by {@link RoleManager} (and the
 * inbound dispatcher, for the last inbound call); read by every part whose answer depends on the
 * role. Thread-safe.
 */
final class RoleState {
  private volatile Role role;
  private volatile long startedMs;
  private volatile long changedMs;
  private volatile long lastInboundMs = Long.MIN_VALUE / 2;

  RoleState(Role initial) {
    this.role = initial;
  }

  Role role() {
    return role;
  }

  boolean full() {
    return role == Role.FULL;
  }

  void started(long nowMs) {
    startedMs = nowMs;
    changedMs = nowMs;
  }

  void change(Role next, long nowMs) {
    role = next;
    changedMs = nowMs;
  }

  /** Another peer called this one: it is reachable. */
  void inbound(long nowMs) {
    lastInboundMs = nowMs;
  }

  long runningMs(long nowMs) {
    return nowMs - startedMs;
  }

  long inRoleMs(long nowMs) {
    return nowMs - changedMs;
  }

  boolean reachedWithin(Duration period, long nowMs) {
    return nowMs - lastInboundMs < period.toMillis();
  }
}
