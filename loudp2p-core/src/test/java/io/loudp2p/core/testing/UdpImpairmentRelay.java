package io.loudp2p.core.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A loopback UDP forwarder that impairs what it forwards: drops, delay with jitter, reordering,
 * duplication, bit flips and a bandwidth cap with a bounded queue, drawn from seeded random
 * sources (one per direction, so that what happens to the datagrams of one direction does not
 * depend on how the other direction's traffic interleaves with them).
 *
 * <p>A front is a socket on 127.0.0.1 in front of one upstream address; each client address that
 * sends to a front gets its own upstream socket, so the upstream sees one stable address per
 * client and its answers go back to that client. {@link #front} adds fronts for more upstream
 * addresses; all fronts share the relay's impairments and its two bottleneck links (toward the
 * upstreams and back), so sessions through one relay compete for the same capacity.
 *
 * <p>A link is modelled as a queue in front of a serializer, then a propagation delay: a datagram
 * waits for the ones ahead of it to be serialized at the capped rate, leaves the queue once it is
 * serialized itself, and arrives the one-way delay (plus jitter) later. Only datagrams not yet
 * serialized count against the queue limit.
 *
 * <p>One thread does all the work; the settings are fixed at build time. An I/O error on one socket
 * (an ICMP port unreachable on a connected upstream socket, say) is counted in {@link #errors} and
 * the relay goes on. Thread-safe; closed once.
 */
public final class UdpImpairmentRelay implements AutoCloseable {
  /** The largest datagram the relay takes in. */
  private static final int MAX_DATAGRAM = 65_536;

  private final Builder settings;
  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final PriorityQueue<Pending> scheduled =
      new PriorityQueue<>((a, b) -> a.atNs != b.atNs ? Long.compare(a.atNs, b.atNs)
          : Long.compare(a.order, b.order));
  private final Link toUpstream;
  private final Link toClients;
  private final List<Front> fronts = new ArrayList<>();
  private final InetSocketAddress firstFront;
  private volatile boolean running = true;
  private long order;

  /** Datagrams the relay took in, from clients and upstreams, before any impairment. */
  public final AtomicLong received = new AtomicLong();
  /** Counts of what the relay did. */
  public final AtomicLong forwarded = new AtomicLong();
  public final AtomicLong dropped = new AtomicLong();
  public final AtomicLong duplicated = new AtomicLong();
  public final AtomicLong corrupted = new AtomicLong();
  public final AtomicLong reordered = new AtomicLong();
  public final AtomicLong queueDrops = new AtomicLong();
  /** I/O errors on the relay's sockets, each survived. */
  public final AtomicLong errors = new AtomicLong();
  /** Datagrams sent with {@link #injectToUpstream} or {@link #injectToClients}. */
  public final AtomicLong injected = new AtomicLong();
  /** Turns of the relay's loop: how often it woke up. */
  public final AtomicLong loopTurns = new AtomicLong();
  /** The largest datagram received from a client (toward an upstream). */
  public final AtomicLong largestToUpstream = new AtomicLong();
  /** The largest datagram received from an upstream (toward a client). */
  public final AtomicLong largestToClients = new AtomicLong();

  private UdpImpairmentRelay(Builder b, InetSocketAddress upstream) throws IOException {
    this.settings = b;
    this.selector = Selector.open();
    this.toUpstream = new Link(new Random(b.seed));
    this.toClients = new Link(new Random(~b.seed * 0x9E3779B97F4A7C15L));
    this.firstFront = openFront(upstream);
    this.thread = new Thread(this::run, "udp-impairment-relay");
    thread.setDaemon(true);
    thread.start();
  }

  /** A builder with no impairment. */
  public static Builder builder() {
    return new Builder();
  }

  /** The address clients send to, in front of the upstream given at build time. */
  public InetSocketAddress address() {
    return firstFront;
  }

  /** Opens another front, in front of {@code upstream}, sharing this relay's impairments. */
  public InetSocketAddress front(InetSocketAddress upstream) throws IOException {
    return onRelayThread(() -> {
      try {
        return openFront(upstream);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "no front for " + upstream);
  }

  /**
   * Sends {@code count} datagrams now, unimpaired and outside the link model, from every upstream
   * socket of the fronts in front of {@code upstream}: to that upstream, the datagrams come from
   * the very address it hears its client at. {@code fill} writes each datagram into the cleared
   * buffer it is given (the relay flips it).
   *
   * @return how many datagrams were sent
   */
  public int injectToUpstream(InetSocketAddress upstream, int count, Consumer<ByteBuffer> fill)
      throws IOException {
    return inject(upstream, true, count, fill);
  }

  /**
   * Sends {@code count} datagrams now, unimpaired, from each front in front of {@code upstream} to
   * every client that sent to it: the clients see them come from the front they talk to.
   *
   * @return how many datagrams were sent
   */
  public int injectToClients(InetSocketAddress upstream, int count, Consumer<ByteBuffer> fill)
      throws IOException {
    return inject(upstream, false, count, fill);
  }

  private int inject(InetSocketAddress upstream, boolean toUpstream, int count,
      Consumer<ByteBuffer> fill) throws IOException {
    return onRelayThread(() -> {
      ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM);
      int sent = 0;
      for (Front f : fronts) {
        if (!f.upstream.equals(upstream)) {
          continue;
        }
        for (Map.Entry<SocketAddress, DatagramChannel> e : f.byClient.entrySet()) {
          for (int i = 0; i < count; i++) {
            buf.clear();
            fill.accept(buf);
            buf.flip();
            try {
              int n = toUpstream ? e.getValue().write(buf) : f.channel.send(buf, e.getKey());
              if (n > 0) {
                sent++;
              }
            } catch (IOException ex) {
              errors.incrementAndGet();
            }
          }
        }
      }
      injected.addAndGet(sent);
      return sent;
    }, "injecting toward " + upstream);
  }

  private <T> T onRelayThread(java.util.function.Supplier<T> task, String what)
      throws IOException {
    CompletableFuture<T> f = new CompletableFuture<>();
    tasks.add(() -> {
      try {
        f.complete(task.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    selector.wakeup();
    try {
      return f.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException(what, e);
    }
  }

  /**
   * Gives every client a new upstream socket from its next datagram on, closing the old ones: the
   * upstreams then hear each client from a new address (as when a phone changes networks, or a
   * NAT rebinds), and what they send to the old one is lost.
   */
  public void rebind() {
    tasks.add(() -> {
      for (Front f : fronts) {
        for (DatagramChannel u : f.byClient.values()) {
          try {
            u.close(); // deregisters it, too
          } catch (IOException e) {
            errors.incrementAndGet();
          }
        }
        f.byClient.clear();
      }
    });
    selector.wakeup();
  }

  private InetSocketAddress openFront(InetSocketAddress upstream) throws IOException {
    DatagramChannel c = DatagramChannel.open();
    c.configureBlocking(false);
    c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
    c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Front front = new Front(c, upstream);
    c.register(selector, SelectionKey.OP_READ, front);
    fronts.add(front);
    return (InetSocketAddress) c.getLocalAddress();
  }

  /** A socket clients send to. */
  private final class Front {
    final DatagramChannel channel;
    final InetSocketAddress upstream;
    final Map<SocketAddress, DatagramChannel> byClient = new HashMap<>();

    Front(DatagramChannel channel, InetSocketAddress upstream) {
      this.channel = channel;
      this.upstream = upstream;
    }

    DatagramChannel upstreamFor(SocketAddress client) throws IOException {
      DatagramChannel u = byClient.get(client);
      if (u == null) {
        u = DatagramChannel.open();
        try {
          u.configureBlocking(false);
          u.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
          u.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
          u.connect(upstream);
          u.register(selector, SelectionKey.OP_READ, new Back(this, client, u));
        } catch (IOException e) {
          u.close();
          throw e;
        }
        byClient.put(client, u);
      }
      return u;
    }
  }

  /** An upstream socket for one client. */
  private record Back(Front front, SocketAddress client, DatagramChannel channel) {}

  /** A datagram waiting for its time. */
  private record Pending(long atNs, long order, byte[] data, DatagramChannel via,
      SocketAddress to) {}

  /** A bottleneck and the random source of one direction's impairments. */
  private static final class Link {
    final Random random;
    /** When the serializer has sent everything queued so far. */
    long freeAtNs = Long.MIN_VALUE;

    Link(Random random) {
      this.random = random;
    }
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM);
    try {
      while (running) {
        loopTurns.incrementAndGet();
        Runnable t;
        while ((t = tasks.poll()) != null) {
          t.run();
        }
        waitForWork();
        for (SelectionKey key : selector.selectedKeys()) {
          readAll(key, buf);
        }
        selector.selectedKeys().clear();
        deliverDue();
      }
    } catch (IOException | RuntimeException e) {
      if (running) {
        throw new IllegalStateException("the relay's selector failed", e);
      }
    } finally {
      try {
        for (SelectionKey k : selector.keys()) {
          k.channel().close();
        }
        selector.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /**
   * Blocks until a datagram arrives, a task is handed over or the next scheduled datagram is due,
   * without spinning: the selector for waits of a millisecond or more, a park for shorter ones.
   */
  private void waitForWork() throws IOException {
    if (!tasks.isEmpty()) {
      selector.selectNow();
      return;
    }
    Pending head = scheduled.peek();
    if (head == null) {
      selector.select(10);
      return;
    }
    long waitNs = head.atNs - System.nanoTime();
    if (waitNs >= 1_000_000L) {
      selector.select(waitNs / 1_000_000L);
    } else {
      if (waitNs > 0) {
        LockSupport.parkNanos(waitNs);
      }
      selector.selectNow();
    }
  }

  private void readAll(SelectionKey key, ByteBuffer buf) {
    Object a = key.attachment();
    for (int i = 0; i < 256; i++) {
      buf.clear();
      try {
        if (a instanceof Front f) {
          SocketAddress from = f.channel.receive(buf);
          if (from == null) {
            return;
          }
          buf.flip();
          received.incrementAndGet();
          largestToUpstream.accumulateAndGet(buf.remaining(), Math::max);
          impair(buf, f.upstreamFor(from), null, toUpstream);
        } else {
          Back b = (Back) a;
          if (b.channel.read(buf) <= 0) {
            return;
          }
          buf.flip();
          received.incrementAndGet();
          largestToClients.accumulateAndGet(buf.remaining(), Math::max);
          impair(buf, b.front.channel, b.client, toClients);
        }
      } catch (IOException e) {
        // An ICMP error for an earlier datagram, say: this socket's turn ends, the relay goes on.
        errors.incrementAndGet();
        return;
      }
    }
  }

  private void deliverDue() {
    long now = System.nanoTime();
    Pending head;
    while ((head = scheduled.peek()) != null && head.atNs <= now) {
      scheduled.poll();
      ByteBuffer out = ByteBuffer.wrap(head.data);
      try {
        if (head.to == null) {
          head.via.write(out);
        } else {
          head.via.send(out, head.to);
        }
        forwarded.incrementAndGet();
      } catch (IOException e) {
        errors.incrementAndGet();
      }
    }
  }

  private void impair(ByteBuffer in, DatagramChannel via, SocketAddress to, Link link) {
    Builder s = settings;
    Random random = link.random;
    if (random.nextDouble() < s.dropRate) {
      dropped.incrementAndGet();
      return;
    }
    int copies = random.nextDouble() < s.duplicateRate ? 2 : 1;
    if (copies == 2) {
      duplicated.incrementAndGet();
    }
    byte[] pristine = new byte[in.remaining()];
    in.get(pristine);
    for (int c = 0; c < copies; c++) {
      // Each copy starts from the datagram as sent, and is corrupted (and counted) on its own.
      byte[] d = c == copies - 1 ? pristine : pristine.clone();
      if (random.nextDouble() < s.corruptRate && d.length > 0) {
        int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips; i++) {
          int bit = random.nextInt(d.length * 8);
          d[bit >>> 3] ^= (byte) (1 << (bit & 7));
        }
        corrupted.incrementAndGet();
      }
      long now = System.nanoTime();
      long departs = now;
      if (s.bytesPerSecond > 0) {
        // What is still waiting to be serialized is what the queue holds.
        long backlogNs = link.freeAtNs == Long.MIN_VALUE ? 0 : Math.max(0, link.freeAtNs - now);
        long backlogBytes = backlogNs * s.bytesPerSecond / 1_000_000_000L;
        if (backlogBytes + d.length > s.queueLimitBytes) {
          queueDrops.incrementAndGet();
          continue;
        }
        long start = Math.max(now, link.freeAtNs);
        departs = start + d.length * 1_000_000_000L / s.bytesPerSecond;
        link.freeAtNs = departs;
      }
      long delay = s.delayNs;
      if (s.jitterNs > 0) {
        delay += (long) (random.nextDouble() * s.jitterNs);
      }
      if (random.nextDouble() < s.reorderRate) {
        delay += s.reorderDelayNs;
        reordered.incrementAndGet();
      }
      scheduled.add(new Pending(departs + delay, order++, d, via, to));
    }
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Settings of a relay; not thread-safe. */
  public static final class Builder {
    long seed = 1;
    double dropRate;
    double duplicateRate;
    double corruptRate;
    double reorderRate;
    long reorderDelayNs = 5_000_000L;
    long delayNs;
    long jitterNs;
    long bytesPerSecond;
    long queueLimitBytes = 64 * 1024;

    private Builder() {}

    /** The seed of every random decision. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The share of datagrams dropped, 0 to 1. */
    public Builder dropRate(double rate) {
      this.dropRate = rate;
      return this;
    }

    /** The share of datagrams sent twice. */
    public Builder duplicateRate(double rate) {
      this.duplicateRate = rate;
      return this;
    }

    /** The share of datagrams (each copy of a duplicate on its own) with one to three bits flipped. */
    public Builder corruptRate(double rate) {
      this.corruptRate = rate;
      return this;
    }

    /** The share of datagrams held back by {@code extraDelayMs} so that later ones overtake them. */
    public Builder reorder(double rate, long extraDelayMs) {
      this.reorderRate = rate;
      this.reorderDelayNs = TimeUnit.MILLISECONDS.toNanos(extraDelayMs);
      return this;
    }

    /** One-way (propagation) delay plus a uniform jitter of up to {@code jitterMicros}. */
    public Builder delay(long delayMicros, long jitterMicros) {
      this.delayNs = TimeUnit.MICROSECONDS.toNanos(delayMicros);
      this.jitterNs = TimeUnit.MICROSECONDS.toNanos(jitterMicros);
      return this;
    }

    /**
     * Caps each direction at {@code bytesPerSecond}, queueing at most {@code queueLimitBytes} not
     * yet serialized.
     */
    public Builder bandwidth(long bytesPerSecond, long queueLimitBytes) {
      this.bytesPerSecond = bytesPerSecond;
      this.queueLimitBytes = queueLimitBytes;
      return this;
    }

    /** Starts a relay in front of {@code upstream}. */
    public UdpImpairmentRelay start(InetSocketAddress upstream) throws IOException {
      return new UdpImpairmentRelay(this, upstream);
    }
  }
}
