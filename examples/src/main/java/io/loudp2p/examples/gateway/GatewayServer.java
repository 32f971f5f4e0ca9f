package io.loudp2p.examples.gateway;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a gateway runs on: the JDK {@link HttpServer} bound to its address, the bounded pool
 * its requests run on ({@code threads} at once, four times as many waiting; connections beyond
 * that are closed), and one thread that runs a periodic sweep once a second.
 *
 * <p>Lifecycle: made (which binds the address), given its handler with {@link #serve}, then
 * {@link #start}ed and {@link #stop}ped once each. All its threads are daemons.
 */
final class GatewayServer {
  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final ScheduledThreadPoolExecutor sweeper;

  /**
   * Binds {@code bind} (port 0 picks a free one).
   *
   * @throws IOException when the address cannot be bound
   */
  GatewayServer(InetSocketAddress bind, int threads) throws IOException {
    AtomicInteger threadCount = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(threads * 4), r -> {
          Thread t = new Thread(r, "loudp2p-gateway-" + threadCount.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    executor.allowCoreThreadTimeOut(true);
    this.sweeper = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "loudp2p-gateway-sweeper");
      t.setDaemon(true);
      return t;
    });
    this.server = HttpServer.create(bind, 64);
  }

  /** The address the server listens on. */
  InetSocketAddress address() {
    return server.getAddress();
  }

  /** Sends every request to {@code handler}, on the request pool. */
  void serve(HttpHandler handler) {
    server.createContext("/", handler);
    server.setExecutor(executor);
  }

  /** Starts accepting connections, and runs {@code sweep} every second from a second on. */
  void start(Runnable sweep) {
    server.start();
    sweeper.scheduleWithFixedDelay(sweep, 1, 1, TimeUnit.SECONDS);
  }

  /** Stops accepting, closes every connection and stops the threads without waiting for them. */
  void stop() {
    server.stop(0);
    sweeper.shutdownNow();
    executor.shutdownNow();
  }
}
