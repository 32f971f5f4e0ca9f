package io.loudp2p.core.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback UDP forwarder that impairs what it forwards: drops, delay with jitter, reordering,
 * duplication, bit flips and a bandwidth cap with a bounded queue, drawn from a seeded random
 * source.
 *
 * <p>A front is a socket on 127.0.0.1 in front of one upstream address; each client address that
 * sends to a front gets its own upstream socket, so the upstream sees one stable address per
 * client and its answers go back to that client. {@link #front} adds fronts for more upstream
 * addresses; all fronts share the relay's impairments and its two bottleneck links (toward the
 * upstreams and back), so sessions through one relay compete for the same capacity.
 *
 * <p>One thread does all the work; the settings are fixed at build time. Thread-safe; closed once.
 */
public final class UdpImpairmentRelay implements AutoCloseable {
  private final Builder settings;
  private final Random random;
  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final PriorityQueue<Pending> scheduled =
      new PriorityQueue<>((a, b) -> a.atNs != b.atNs ? Long.compare(a.atNs, b.atNs)
          : Long.compare(a.order, b.order));
  private final Link toUpstream;
  private final Link toClients;
  private final InetSocketAddress firstFront;
  private volatile boolean running = true;
  private long order;

  /** Counts of what the relay did. */
  public final AtomicLong forwarded = new AtomicLong();
  public final AtomicLong dropped = new AtomicLong();
  public final AtomicLong duplicated = new AtomicLong();
  public final AtomicLong corrupted = new AtomicLong();
  public final AtomicLong reordered = new AtomicLong();
  public final AtomicLong queueDrops = new AtomicLong();

  private UdpImpairmentRelay(Builder b, InetSocketAddress upstream) throws IOException {
    this.settings = b;
    this.random = new Random(b.seed);
    this.selector = Selector.open();
    this.toUpstream = new Link();
    this.toClients = new Link();
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
    CompletableFuture<InetSocketAddress> f = new CompletableFuture<>();
    tasks.add(() -> {
      try {
        f.complete(openFront(upstream));
      } catch (IOException e) {
        f.completeExceptionally(e);
      }
    });
    selector.wakeup();
    try {
      return f.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("no front for " + upstream, e);
    }
  }

  private InetSocketAddress openFront(InetSocketAddress upstream) throws IOException {
    DatagramChannel c = DatagramChannel.open();
    c.configureBlocking(false);
    c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
    c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    c.register(selector, SelectionKey.OP_READ, new Front(c, upstream));
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
        u.configureBlocking(false);
        u.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
        u.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        u.connect(upstream);
        u.register(selector, SelectionKey.OP_READ, new Back(this, client, u));
        byClient.put(client, u);
      }
      return u;
    }
  }

  /** An upstream socket for one client. */
  private record Back(Front front, SocketAddress client, DatagramChannel channel) {}

  /** A datagram waiting for its time. */
  private record Pending(long atNs, long order, byte[] data, DatagramChannel via,
      SocketAddress to, Link link) {}

  /** A bottleneck: datagrams leave one after the other at the capped rate. */
  private static final class Link {
    long freeAtNs;
    long queuedBytes;
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(65536);
    try {
      while (running) {
        Runnable t;
        while ((t = tasks.poll()) != null) {
          t.run();
        }
        long now = System.nanoTime();
        Pending head = scheduled.peek();
        if (head == null) {
          selector.select(10);
        } else if (head.atNs > now) {
          long waitMs = (head.atNs - now) / 1_000_000;
          if (waitMs >= 1) {
            selector.select(waitMs);
          } else {
            selector.selectNow();
          }
        } else {
          selector.selectNow();
        }
        for (SelectionKey key : selector.selectedKeys()) {
          Object a = key.attachment();
          for (int i = 0; i < 256; i++) {
            buf.clear();
            SocketAddress from;
            if (a instanceof Front f) {
              from = f.channel.receive(buf);
              if (from == null) {
                break;
              }
              buf.flip();
              impair(buf, f.upstreamFor(from), null, toUpstream);
            } else {
              Back b = (Back) a;
              if (b.channel.read(buf) <= 0) {
                break;
              }
              buf.flip();
              impair(buf, b.front.channel, b.client, toClients);
            }
          }
        }
        selector.selectedKeys().clear();
        now = System.nanoTime();
        while ((head = scheduled.peek()) != null && head.atNs <= now) {
          scheduled.poll();
          head.link.queuedBytes -= head.data.length;
          ByteBuffer out = ByteBuffer.wrap(head.data);
          if (head.to == null) {
            head.via.write(out);
          } else {
            head.via.send(out, head.to);
          }
          forwarded.incrementAndGet();
        }
      }
    } catch (IOException e) {
      if (running) {
        throw new java.io.UncheckedIOException(e);
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

  private void impair(ByteBuffer in, DatagramChannel via, SocketAddress to, Link link) {
    Builder s = settings;
    if (random.nextDouble() < s.dropRate) {
      dropped.incrementAndGet();
      return;
    }
    int copies = random.nextDouble() < s.duplicateRate ? 2 : 1;
    if (copies == 2) {
      duplicated.incrementAndGet();
    }
    byte[] data = new byte[in.remaining()];
    in.get(data);
    for (int c = 0; c < copies; c++) {
      byte[] d = c == 0 ? data : data.clone();
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
        if (link.queuedBytes + d.length > s.queueLimitBytes) {
          queueDrops.incrementAndGet();
          continue;
        }
        long start = Math.max(now, link.freeAtNs);
        link.freeAtNs = start + d.length * 1_000_000_000L / s.bytesPerSecond;
        departs = link.freeAtNs;
        link.queuedBytes += d.length;
      }
      long delay = s.delayNs;
      if (s.jitterNs > 0) {
        delay += (long) (random.nextDouble() * s.jitterNs);
      }
      if (random.nextDouble() < s.reorderRate) {
        delay += s.reorderDelayNs;
        reordered.incrementAndGet();
      }
      if (s.bytesPerSecond <= 0) {
        link = new Link(); // no queue accounting without a cap
      }
      scheduled.add(new Pending(departs + delay, order++, d, via, to, link));
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

    /** The share of datagrams with one to three bits flipped. */
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

    /** One-way delay plus a uniform jitter of up to {@code jitterMicros}. */
    public Builder delay(long delayMicros, long jitterMicros) {
      this.delayNs = TimeUnit.MICROSECONDS.toNanos(delayMicros);
      this.jitterNs = TimeUnit.MICROSECONDS.toNanos(jitterMicros);
      return this;
    }

    /** Caps each direction at {@code bytesPerSecond}, queueing at most {@code queueLimitBytes}. */
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
