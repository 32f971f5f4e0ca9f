package io.loudp2p.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void aKeyGetsItsBurstThenItsRateAndOtherKeysAreUntouched() {
    RateLimiter<String> limiter = new RateLimiter<>(10, 5, 100, now::get);
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire("a")).isTrue();
    }
    assertThat(limiter.tryAcquire("a")).isFalse();
    assertThat(limiter.tryAcquire("b")).isTrue();

    now.addAndGet(100_000_000L); // 0.1 s: one token at 10 a second
    assertThat(limiter.tryAcquire("a")).isTrue();
    assertThat(limiter.tryAcquire("a")).isFalse();

    now.addAndGet(60_000_000_000L); // a minute: full again, but no more than the burst
    int got = 0;
    while (limiter.tryAcquire("a")) {
      got++;
    }
    assertThat(got).isEqualTo(5);
  }

  @Test
  void forgottenKeysStartFullAndTheTableStaysBounded() {
    RateLimiter<Integer> limiter = new RateLimiter<>(1, 1, 2, now::get);
    assertThat(limiter.tryAcquire(1)).isTrue();
    assertThat(limiter.tryAcquire(1)).isFalse();
    limiter.tryAcquire(2);
    limiter.tryAcquire(3); // 1 is forgotten
    assertThat(limiter.tryAcquire(1)).isTrue();
  }

  @Test
  void aClockGoingBackwardsAddsNothing() {
    RateLimiter<String> limiter = new RateLimiter<>(10, 1, 10, now::get);
    assertThat(limiter.tryAcquire("a")).isTrue();
    now.addAndGet(-5_000_000_000L);
    assertThat(limiter.tryAcquire("a")).isFalse();
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new RateLimiter<String>(0, 1, 1, now::get))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RateLimiter<String>(1, 0, 1, now::get))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
