package io.loudp2p.core.testing;

import io.loudp2p.spi.TransportOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * An in-process network of {@link InMemoryTransport}s with addresses in 127.0.0.0/8, for
 * scheduler and session tests and whole-network simulations without sockets.
 *
 * <p>Everything that crosses the network (requests, responses, fragments, closes) is a task in
 * one queue, run one at a time in order. In {@link Delivery#AUTOMATIC} mode the thread that
 * enqueues a task runs the queue until it is empty (unless another thread already is, or it is
 * already inside a task), so a test sees results when its call returns. In {@link
 * Delivery#MANUAL} mode nothing moves until the test calls {@link #runNext()} or {@link
 * #runUntilIdle()}, which lets a simulation interleave steps with its own clock.
 *
 * <p>Fragments pass through a {@link FragmentFilter} that may drop, duplicate or delay
 * (reorder) them; the default filter draws from a random source seeded by the builder, so a run is
 * reproducible. Deadlines run on the network's {@link FakeClock}, moved by {@link #advance} and
 * {@link #runFor}. A source can be {@link #kill killed} (it vanishes silently, as a crashed peer
 * does) or {@link #cut cut off} (its sessions end with {@code CONNECTION_LOST}).
 *
 * <p>Thread-safe. Tasks (and so all transport callbacks) run one at a time.
 */
public final class InMemoryNetwork {
  /** The largest chunk payload of one fragment, as on a real datagram path. */
  public static final int MAX_FRAGMENT_PAYLOAD = io.loudp2p.spi.DataTransport.MAX_FRAGMENT_PAYLOAD;

  /** The first port handed out for a port-0 bind. */
  public static final int FIRST_EPHEMERAL_PORT = 40_000;

  /** When queued work runs. */
  public enum Delivery {
    /** The enqueuing thread runs the queue until it is empty. */
    AUTOMATIC,
    /** Only {@link #runNext()} and {@link #runUntilIdle()} run queued work. */
    MANUAL
  }

  /** What happens to one fragment on its way. */
  public enum FragmentFate {
    /** Delivered once, in order. */
    DELIVER,
    /** Lost. */
    DROP,
    /** Delivered twice. */
    DUPLICATE,
    /** Delivered after the work queued so far (reordered). */
    DELAY
  }

  /** Decides each fragment's fate; called inside the network's task, one at a time. */
  @FunctionalInterface
  public interface FragmentFilter {
    /** The fate of fragment {@code (chunkIndex, offset)} sent from {@code source}. */
    FragmentFate decide(InetSocketAddress source, int chunkIndex, int offset);
  }

  private final Object lock = new Object();
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final Random random;
  private final Delivery delivery;
  private final ServerRegistry servers = new ServerRegistry();
  private final HostFaults faults = new HostFaults();
  private final FragmentImpairment impairment;
  private final long minLatencyNs;
  private final long latencySpreadNs;
  private @Nullable Consumer<byte[]> controlObserver;
  private final ThreadLocal<Boolean> insideTask = ThreadLocal.withInitial(() -> false);
  private boolean draining;
  private int nextHost = 1;
  private long timerSeq;
  private final FakeClock clock;

  private InMemoryNetwork(Builder b) {
    this.random = new Random(b.seed);
    this.impairment = new FragmentImpairment(random);
    this.clock = b.clock;
    this.delivery = b.delivery;
    this.minLatencyNs = b.minLatency.toNanos();
    this.latencySpreadNs = b.maxLatency.toNanos() - b.minLatency.toNanos();
  }

  /** A builder: seed 0, automatic delivery, no impairment. */
  public static Builder builder() {
    return new Builder();
  }

  /** Makes a new transport with its own host address (127.0.0.N). */
  public InMemoryTransport newTransport() {
    return newTransport(TransportOptions.DEFAULT_MAX_MESSAGE_BYTES);
  }

  /**
   * Makes a new transport with its own host address (127.0.0.N) and a message size limit, which it
   * applies to the requests it sends and to those it serves.
   */
  public InMemoryTransport newTransport(int maxMessageBytes) {
    InetAddress host;
    synchronized (lock) {
      int n = nextHost++;
      if (n > 0xfffffe) {
        throw new IllegalStateException("no more loopback host addresses");
      }
      try {
        host = InetAddress.getByAddress(new byte[] {127, (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
      } catch (UnknownHostException e) {
        throw new AssertionError(e);
      }
    }
    return new InMemoryTransport(this, host, maxMessageBytes);
  }

  /** Sets the probability that a fragment is lost (0 to 1). */
  public void dropProbability(double p) {
    synchronized (lock) {
      impairment.drop(p);
    }
  }

  /** Sets the probability that a fragment is delivered twice (0 to 1). */
  public void duplicateProbability(double p) {
    synchronized (lock) {
      impairment.duplicate(p);
    }
  }

  /** Sets the probability that a fragment is delayed behind later traffic (0 to 1). */
  public void reorderProbability(double p) {
    synchronized (lock) {
      impairment.reorder(p);
    }
  }

  /** Replaces the probabilistic impairment with {@code filter}, or restores it with null. */
  public void fragmentFilter(@Nullable FragmentFilter filter) {
    synchronized (lock) {
      impairment.filter(filter);
    }
  }

  /**
   * Makes every server on {@code address}'s host vanish silently: requests to it go unanswered
   * (calls end only by their deadline), its data sessions stop sending without notice, and new
   * data sessions to it fail to open with {@code UNAVAILABLE}.
   */
  public void kill(InetSocketAddress address) {
    faults.kill(address.getAddress());
  }

  /** Whether {@code address}'s host was killed. */
  public boolean isKilled(InetSocketAddress address) {
    return faults.isKilled(address.getAddress());
  }

  /**
   * Puts {@code host} behind a NAT or firewall: it can still call others and hear their answers,
   * but requests to its servers go unanswered (calls end only by their deadline).
   */
  public void blockInbound(InetAddress host) {
    faults.blockInbound(host);
  }

  /**
   * Splits the network in two: from now on a request between a host in {@code side} and one not
   * in it vanishes, as over a cut link, until {@link #heal}. Calls under way are not touched.
   */
  public void partition(Collection<InetAddress> side) {
    faults.partition(side);
  }

  /** Joins what {@link #partition} split. */
  public void heal() {
    faults.heal();
  }

  /** Whether requests to {@code address} vanish: its host was killed or takes no inbound calls. */
  boolean isSilent(InetSocketAddress address) {
    return faults.isSilent(address);
  }

  /**
   * Whether requests from {@code from}'s host to {@code address} vanish: the target is silent, or
   * a partition lies between the two.
   */
  boolean isSilent(InetAddress from, InetSocketAddress address) {
    return faults.isSilent(from, address);
  }

  /**
   * Hands every control message (request, response or streamed response) that crosses the network
   * to {@code observer}, inside the network's task, before it is delivered; null stops observing.
   */
  public void observeControl(@Nullable Consumer<byte[]> observer) {
    synchronized (lock) {
      controlObserver = observer;
    }
  }

  /**
   * Moves the clock forward by {@code duration}, timer by timer, running everything that falls
   * due and the queue after each (in {@link Delivery#MANUAL} mode too).
   *
   * @return how many tasks ran
   */
  public long runFor(Duration duration) {
    long until;
    synchronized (lock) {
      until = clock.nanoTime() + duration.toNanos();
    }
    long ran = 0;
    while (true) {
      while (runNext()) {
        ran++;
      }
      synchronized (lock) {
        Timer next = timers.peek();
        while (next != null && next.cancelled) {
          timers.poll();
          next = timers.peek();
        }
        if (next == null || next.dueNs > until) {
          clock.advanceTo(until);
          return ran;
        }
        clock.advanceTo(next.dueNs);
        queueDueTimers();
      }
    }
  }

  /**
   * Ends every data session served at {@code address} with {@code CONNECTION_LOST} at the
   * receivers, as a path failure detected by a real transport would; the server keeps serving new
   * sessions.
   */
  public void cut(InetSocketAddress address) {
    InMemoryDataServer server;
    synchronized (lock) {
      server = servers.dataServer(address);
    }
    if (server != null) {
      enqueue(() -> server.cutAll());
    }
  }

  /** The network's clock, in nanoseconds: {@link #clock()}'s {@link FakeClock#nanoTime()}. */
  public long nowNs() {
    return clock.nanoTime();
  }

  /**
   * The clock the network's deadlines run on. Move it through {@link #advance} or {@link #runFor},
   * which run what falls due; moved directly, timers that fell due wait for the network's next
   * move.
   */
  public FakeClock clock() {
    return clock;
  }

  /** Moves the clock forward and runs what fell due (deadlines), then the queue if automatic. */
  public void advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("cannot move the clock backwards: " + by);
    }
    synchronized (lock) {
      clock.advance(by);
      queueDueTimers();
    }
    maybeDrain();
  }

  /** Runs one queued task; returns false when the queue was empty. */
  public boolean runNext() {
    Runnable task;
    synchronized (lock) {
      task = queue.poll();
    }
    if (task == null) {
      return false;
    }
    runTask(task);
    return true;
  }

  /**
   * Runs queued tasks until none is left, including tasks they queue.
   *
   * @return how many ran
   * @throws IllegalStateException if more than {@code maxTasks} would run (a livelock)
   */
  public int runUntilIdle(int maxTasks) {
    int n = 0;
    while (runNext()) {
      if (++n > maxTasks) {
        throw new IllegalStateException("network still busy after " + maxTasks + " tasks");
      }
    }
    return n;
  }

  /** {@link #runUntilIdle(int)} with a bound of ten million tasks. */
  public int runUntilIdle() {
    return runUntilIdle(10_000_000);
  }

  /** How many tasks wait in the queue. */
  public int pending() {
    synchronized (lock) {
      return queue.size();
    }
  }

  /** Fragments handed to the network so far (before impairment). */
  public long fragmentsSent() {
    synchronized (lock) {
      return impairment.sent();
    }
  }

  /** Fragments the impairment dropped so far. */
  public long fragmentsDropped() {
    synchronized (lock) {
      return impairment.dropped();
    }
  }

  /** The largest fragment payload sent so far, in bytes. */
  public long largestFragment() {
    synchronized (lock) {
      return impairment.largest();
    }
  }

  // --- used by InMemoryTransport and its parts ---

  void enqueue(Runnable task) {
    synchronized (lock) {
      queue.add(task);
    }
    maybeDrain();
  }

  /** Runs {@code task} once the clock reaches {@code dueNs}; returns a handle to cancel it. */
  Timer schedule(long delayNs, Runnable task) {
    synchronized (lock) {
      Timer t = new Timer(clock.nanoTime() + delayNs, timerSeq++, task);
      timers.add(t);
      return t;
    }
  }

  /** Queues the tasks of the timers that fell due, leaving out cancelled ones; under the lock. */
  private void queueDueTimers() {
    long nowNs = clock.nanoTime();
    while (!timers.isEmpty() && timers.peek().dueNs <= nowNs) {
      Timer t = timers.poll();
      if (!t.cancelled) {
        queue.add(t.task);
      }
    }
  }

  /** Cancels a timer: it stays queued (removal from the middle of a heap is slow) but never runs. */
  void cancel(Timer timer) {
    timer.cancelled = true;
  }

  /**
   * Sends a control message on: after the network's latency (drawn once per exchange direction by
   * the caller through {@link #latencyNs()}), or at once in the queue when there is none.
   */
  void deliverControl(long latencyNs, byte[] message, Runnable delivery) {
    Consumer<byte[]> observer;
    synchronized (lock) {
      observer = controlObserver;
    }
    Runnable task = observer == null ? delivery : () -> {
      observer.accept(message);
      delivery.run();
    };
    if (latencyNs <= 0) {
      enqueue(task);
    } else {
      schedule(latencyNs, task);
    }
  }

  /** A one-way latency for control messages, drawn from the configured range. */
  long latencyNs() {
    synchronized (lock) {
      return latencySpreadNs <= 0 ? minLatencyNs
          : minLatencyNs + (long) (random.nextDouble() * latencySpreadNs);
    }
  }

  FragmentFate fate(InetSocketAddress source, int chunkIndex, int offset, int length) {
    synchronized (lock) {
      return impairment.fate(source, chunkIndex, offset, length);
    }
  }

  InetSocketAddress bind(
      InetAddress host, int port, @Nullable InMemoryControlServer control,
      @Nullable InMemoryDataServer data) {
    return servers.bind(host, port, control, data);
  }

  void unbind(InetSocketAddress address, Object server) {
    servers.unbind(address, server);
  }

  /** The control server at {@code address}; null when none, or its host was killed. */
  @Nullable InMemoryControlServer controlServer(InetSocketAddress address) {
    return faults.isKilled(address.getAddress()) ? null : servers.controlServer(address);
  }

  /** The data server at {@code address}; null when none, or its host was killed. */
  @Nullable InMemoryDataServer dataServer(InetSocketAddress address) {
    return faults.isKilled(address.getAddress()) ? null : servers.dataServer(address);
  }

  private void maybeDrain() {
    if (delivery == Delivery.MANUAL || insideTask.get()) {
      return;
    }
    synchronized (lock) {
      if (draining) {
        return;
      }
      draining = true;
    }
    try {
      while (true) {
        Runnable task;
        synchronized (lock) {
          task = queue.poll();
          if (task == null) {
            draining = false;
            return;
          }
        }
        runTask(task);
      }
    } catch (RuntimeException | Error e) {
      synchronized (lock) {
        draining = false;
      }
      throw e;
    }
  }

  private void runTask(Runnable task) {
    boolean outer = !insideTask.get();
    insideTask.set(true);
    try {
      task.run();
    } finally {
      if (outer) {
        insideTask.set(false);
      }
    }
  }

  static final class Timer implements Comparable<Timer> {
    final long dueNs;
    final long seq;
    final Runnable task;
    volatile boolean cancelled;

    Timer(long dueNs, long seq, Runnable task) {
      this.dueNs = dueNs;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public int compareTo(Timer o) {
      return dueNs != o.dueNs ? Long.compare(dueNs, o.dueNs) : Long.compare(seq, o.seq);
    }
  }

  /** Builds an {@link InMemoryNetwork}; not thread-safe. */
  public static final class Builder {
    private long seed;
    private Delivery delivery = Delivery.AUTOMATIC;
    private Duration minLatency = Duration.ZERO;
    private Duration maxLatency = Duration.ZERO;
    private FakeClock clock = new FakeClock();

    private Builder() {}

    /** The clock the network runs on; default a new {@link FakeClock}. */
    public Builder clock(FakeClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Control messages take from {@code min} to {@code max} (drawn once per exchange and direction,
     * from the seeded random source) to cross; default none: they are queued at once.
     */
    public Builder controlLatency(Duration min, Duration max) {
      if (min.isNegative() || max.compareTo(min) < 0) {
        throw new IllegalArgumentException("latency range " + min + " to " + max);
      }
      this.minLatency = min;
      this.maxLatency = max;
      return this;
    }

    /** Seeds the impairment's random source. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Chooses when queued work runs. */
    public Builder delivery(Delivery delivery) {
      this.delivery = Objects.requireNonNull(delivery, "delivery");
      return this;
    }

    /** Makes the network. */
    public InMemoryNetwork build() {
      return new InMemoryNetwork(this);
    }
  }
}
