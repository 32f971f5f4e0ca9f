package io.loudp2p.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.FakeClock;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class ThrottledLogTest {
  private final FakeClock clock = new FakeClock();
  private final List<List<Object>> lines = new ArrayList<>();
  private final ThrottledLog log =
      new ThrottledLog(recording(), Duration.ofSeconds(10), clock.nanoSource());

  @Test
  void writesOneLinePerKindAndIntervalAndCountsTheRest() {
    for (int i = 0; i < 5; i++) {
      log.warn("cannot read chunk {}", i);
    }
    log.warn("another kind {}", "x");
    assertThat(lines).containsExactly(
        List.of("cannot read chunk {}", 0), List.of("another kind {}", "x"));

    clock.advance(Duration.ofSeconds(10));
    log.warn("cannot read chunk {}", 7);
    assertThat(lines.get(2)).containsExactly(
        "cannot read chunk {} ({} more like it left out since the last such line)", 7, 4L);
  }

  @Test
  void keepsAThrowableLastSoItIsLoggedAsOne() {
    IllegalStateException e = new IllegalStateException("bug");
    log.warn("provider failed on chunk {}", 1, e);
    log.warn("provider failed on chunk {}", 2, e);
    clock.advance(Duration.ofSeconds(10));
    log.warn("provider failed on chunk {}", 3, e);
    assertThat(lines.get(1)).containsExactly(
        "provider failed on chunk {} ({} more like it left out since the last such line)", 3, 1L,
        e);
  }

  /** A logger with WARN on that records each warning as its format followed by its arguments. */
  private Logger recording() {
    return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
        new Class<?>[] {Logger.class}, (proxy, method, args) -> {
          switch (method.getName()) {
            case "isWarnEnabled":
              return true;
            case "warn":
              List<Object> line = new ArrayList<>();
              line.add(args[0]);
              line.addAll(Arrays.asList((Object[]) args[1]));
              lines.add(line);
              return null;
            case "getName":
              return "test";
            default:
              throw new UnsupportedOperationException(method.getName());
          }
        });
  }
}
