package io.loudp2p.transport.udp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An on-path observer between one receiver and its source, on loopback: it forwards every datagram
 * both ways from a socket of its own (the address the source should hear the receiver at), and
 * sends a copy of each datagram of the receiver's to the source from a second, attacker's socket
 * first, so that the copy always arrives before the original. It keeps what it captured to send
 * again later, and counts what comes back to the attacker's socket.
 *
 * <p>One thread does all the work. Closed once.
 */
final class ReplayTap implements AutoCloseable {
  private final InetSocketAddress upstream;
  private final Selector selector;
  private final DatagramChannel front;
  private final DatagramChannel forward;
  private final DatagramChannel attacker;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private volatile boolean running = true;
  private SocketAddress client;

  /** Every datagram the receiver sent, in order. */
  final List<byte[]> captured = new CopyOnWriteArrayList<>();
  /** Copies sent from the attacker's socket. */
  final AtomicLong replayed = new AtomicLong();
  /** Datagrams the source sent to the attacker's socket. */
  final AtomicLong toAttacker = new AtomicLong();
  /** The largest datagram the source sent to the attacker's socket. */
  final AtomicLong largestToAttacker = new AtomicLong();
  /** Datagrams forwarded from the source to the receiver. */
  final AtomicLong toReceiver = new AtomicLong();

  ReplayTap(InetSocketAddress upstream) throws IOException {
    this.upstream = upstream;
    this.selector = Selector.open();
    this.front = open();
    this.forward = open();
    this.attacker = open();
    this.thread = new Thread(this::run, "replay-tap");
    thread.setDaemon(true);
    thread.start();
  }

  private DatagramChannel open() throws IOException {
    DatagramChannel c = DatagramChannel.open();
    c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    c.configureBlocking(false);
    c.register(selector, SelectionKey.OP_READ);
    return c;
  }

  /** Where the receiver sends. */
  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) front.getLocalAddress();
  }

  /** Sends every datagram captured so far to the source again, from the attacker's socket. */
  void replayAllFromAttacker() {
    tasks.add(() -> {
      for (byte[] d : captured) {
        sendCopy(d);
      }
    });
    selector.wakeup();
  }

  private void sendCopy(byte[] d) {
    try {
      attacker.send(ByteBuffer.wrap(d), upstream);
      replayed.incrementAndGet();
    } catch (IOException e) {
      // the source's socket went away; nothing to replay to
    }
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(65_536);
    try {
      while (running) {
        selector.select(100);
        selector.selectedKeys().clear();
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run();
        }
        SocketAddress from;
        while ((from = front.receive(buf.clear())) != null) {
          client = from;
          buf.flip();
          byte[] d = new byte[buf.remaining()];
          buf.get(d);
          captured.add(d);
          sendCopy(d); // the copy leaves first and so arrives first
          forward.send(ByteBuffer.wrap(d), upstream);
        }
        while (forward.receive(buf.clear()) != null) {
          if (client != null) {
            front.send(buf.flip(), client);
            toReceiver.incrementAndGet();
          }
        }
        while (attacker.receive(buf.clear()) != null) {
          toAttacker.incrementAndGet();
          largestToAttacker.accumulateAndGet(buf.position(), Math::max);
        }
      }
    } catch (IOException e) {
      // closed
    }
  }

  @Override
  public void close() throws Exception {
    running = false;
    selector.wakeup();
    thread.join(5000);
    selector.close();
    front.close();
    forward.close();
    attacker.close();
  }
}
