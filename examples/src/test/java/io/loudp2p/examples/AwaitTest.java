package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AwaitTest {
  @Test
  void aFutureThatDoesNotFinishInTimeIsOneLineAboutWhatWasAwaited() {
    CompletableFuture<String> never = new CompletableFuture<>();

    assertThatThrownBy(() -> Await.result(never, Duration.ofMillis(50), "the search for 'x'",
        UserError.FAILURE))
        .isInstanceOfSatisfying(UserError.class, e -> {
          assertThat(e.exitCode()).isEqualTo(UserError.FAILURE);
          assertThat(e.getMessage()).isEqualTo("the search for 'x' got no answer within 50 ms");
        });
    assertThat(never).isCancelled();
  }

  @Test
  void aFailedFutureIsOneLineWithItsCause() throws Exception {
    assertThatThrownBy(() -> Await.result(CompletableFuture.failedFuture(new IOException("no route\nat all")),
        Duration.ofSeconds(1), "the search for 'x'", UserError.FAILURE))
        .isInstanceOfSatisfying(UserError.class, e -> {
          assertThat(e.exitCode()).isEqualTo(UserError.FAILURE);
          assertThat(e.getMessage()).isEqualTo("the search for 'x' failed: no route");
        });
    assertThatThrownBy(() -> Await.result(CompletableFuture.failedFuture(
        new CompletionException(new IllegalStateException())), Duration.ofSeconds(1), "it", 1))
        .hasMessage("it failed: IllegalStateException");
    UserError own = new UserError(UserError.FAILURE, "as it was");
    assertThatThrownBy(() -> Await.result(CompletableFuture.failedFuture(own), Duration.ofSeconds(1), "it", 1))
        .isSameAs(own);
    assertThat(Await.result(CompletableFuture.completedFuture("ok"), Duration.ofSeconds(1), "it", 1))
        .isEqualTo("ok");
  }

  /** A command that lets a library exception escape, as a future's get() would throw it. */
  @CommandLine.Command(name = "escape")
  static final class Escape implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Parameters String kind;

    @Override
    public Integer call() throws Exception {
      switch (kind) {
        case "timeout":
          throw new TimeoutException();
        case "execution":
          throw new ExecutionException(new IOException("the peer hung up"));
        default:
          throw new CompletionException(new IllegalStateException());
      }
    }
  }

  @Test
  void theCommandLineTurnsEscapedFutureExceptionsIntoOneLine() {
    assertThat(Await.message(new TimeoutException())).isEqualTo("gave up waiting for an answer");
    assertThat(Await.message(new ExecutionException(new IOException("the peer hung up"))))
        .isEqualTo("the peer hung up");
    assertThat(Await.message(new CompletionException(new IllegalStateException())))
        .isEqualTo("IllegalStateException");
    for (String kind : new String[] {"timeout", "execution", "completion"}) {
      StringWriter err = new StringWriter();
      int exit = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err, true))
          .addSubcommand(new Escape()).execute("escape", kind);
      assertThat(err.toString()).as(kind).doesNotContain("java.util.concurrent", "\tat ")
          .startsWith("loudp2p: ").hasLineCount(1);
      assertThat(exit).as(kind).isEqualTo(1);
    }
  }
}
