package io.loudp2p.core.catalog;

import io.loudp2p.ScanReport;
import io.loudp2p.core.internal.ApiErrors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs a {@link LocalCatalog}'s asynchronous scans: on the executor the builder was given, or on
 * one daemon thread of its own, which {@link #shutdown()} stops.
 *
 * <p>Thread-safe.
 */
final class ScanExecutor {
  private final Executor executor;
  private final @Nullable ExecutorService ownedExecutor;

  /** Runs scans on {@code given}, or on a thread of its own when {@code null}. */
  ScanExecutor(@Nullable Executor given) {
    if (given != null) {
      this.executor = given;
      this.ownedExecutor = null;
    } else {
      ExecutorService own =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "loudp2p-catalog-scan");
                t.setDaemon(true);
                return t;
              });
      this.executor = own;
      this.ownedExecutor = own;
    }
  }

  /** Runs {@code work} on the executor; its future fails with the API's exception only. */
  CompletableFuture<ScanReport> submit(Supplier<ScanReport> work) {
    CompletableFuture<ScanReport> running;
    try {
      running = CompletableFuture.supplyAsync(work, executor);
    } catch (RejectedExecutionException e) {
      running = CompletableFuture.failedFuture(e); // closed
    }
    return ApiErrors.mapped(running, () -> false);
  }

  /** Stops the thread of its own, if it has one; a running scan is not waited for. */
  void shutdown() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }
}
