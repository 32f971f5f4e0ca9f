package io.loudp2p.transport.udp.internal;

import static io.loudp2p.transport.udp.internal.SendQueue.AGAIN;
import static io.loudp2p.transport.udp.internal.SendQueue.FRESH;
import static io.loudp2p.transport.udp.internal.SendQueue.NOTHING;
import static io.loudp2p.transport.udp.internal.SendQueue.RESEND;
import static io.loudp2p.transport.udp.internal.SendQueue.UNAVAILABLE;
import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order in which a source session sends, and what it drops, on a clock the test moves. */
class SendQueueTest {
  private static final long START = 1_000_000_000_000L;
  /** The one chunk the provider has; any other is unavailable. */
  private static final int CHUNK = 0;
  private static final int LENGTH = 3000;
  private static final int MISSING = 9;

  private final List<SentPacket> released = new ArrayList<>();
  private final SendQueue queue =
      new SendQueue(DataSessionId.fromBytes(new byte[16]), new OneChunk(), 16, released::add);

  /** A packet that carried {@code length} bytes of {@code chunk} at {@code offset}. */
  private static SentPacket data(int chunk, int seq, int offset, int length) {
    SentPacket p = new SentPacket();
    p.dataChunk = chunk;
    p.dataSeq = seq;
    p.dataOffset = offset;
    p.dataLength = length;
    return p;
  }

  @Test
  void unavailableAnswersGoFirstThenResendsThenNewFragments() {
    assertThat(queue.want(CHUNK, 1, START)).isTrue();
    assertThat(queue.want(MISSING, 2, START)).isTrue();
    assertThat(queue.next(START)).isEqualTo(FRESH);
    WantList.Want w = queue.fresh();
    assertThat(w.chunk).isEqualTo(CHUNK);
    assertThat(w.length).isEqualTo(LENGTH);
    queue.advanced(w, LENGTH, START); // sent whole in one go
    SentPacket lost = data(CHUNK, 1, 0, 1200);
    assertThat(queue.lost(lost)).as("kept to resend").isTrue();
    assertThat(queue.next(START)).isEqualTo(RESEND);
    assertThat(queue.pollResend()).isSameAs(lost);
    // The head of the want list turns out unavailable: its answer is queued, and found next.
    assertThat(queue.next(START)).isEqualTo(AGAIN);
    assertThat(queue.lost(lost)).isTrue();
    assertThat(queue.size()).isEqualTo(2);
    assertThat(queue.next(START)).isEqualTo(UNAVAILABLE);
    assertThat(queue.unavailableChunk()).isEqualTo(MISSING);
    assertThat(queue.unavailableSeq()).isEqualTo(2);
    queue.pollUnavailable();
    assertThat(queue.next(START)).isEqualTo(RESEND);
    assertThat(queue.pollResend()).isSameAs(lost);
    assertThat(queue.next(START)).isEqualTo(NOTHING);
    assertThat(queue.size()).isZero();
    assertThat(released).isEmpty();
  }

  @Test
  void whatACancelMadeStaleIsDroppedNotSent() {
    queue.want(CHUNK, 1, START);
    assertThat(queue.next(START)).isEqualTo(FRESH);
    queue.advanced(queue.fresh(), 1200, START);
    SentPacket lost = data(CHUNK, 1, 0, 1200);
    assertThat(queue.lost(lost)).isTrue();
    queue.cancel(CHUNK, 2, START);
    assertThat(queue.next(START)).as("the resend dropped").isEqualTo(AGAIN);
    assertThat(released).containsExactly(lost);
    assertThat(queue.next(START)).as("the cancelled want skipped").isEqualTo(NOTHING);

    queue.want(MISSING, 3, START);
    assertThat(queue.next(START)).isEqualTo(AGAIN);
    assertThat(queue.next(START)).isEqualTo(UNAVAILABLE);
    queue.pollUnavailable();
    SentPacket answer = new SentPacket();
    answer.unavailable = true;
    answer.unavailableChunk = MISSING;
    answer.dataSeq = 3;
    queue.cancel(MISSING, 4, START);
    assertThat(queue.lost(answer)).isFalse();
    assertThat(queue.next(START)).as("a stale answer not sent again").isEqualTo(NOTHING);
  }

  @Test
  void tooManyRepeatedWantsAreRefused() {
    queue.want(CHUNK, 1, START);
    int seq = 2;
    while (queue.want(CHUNK, seq, START)) { // redundant while queued: each one a repeat
      seq++;
    }
    assertThat(queue.repeats(START)).isEqualTo(UdpSettings.MAX_REPEATED_WANTS + 1);
    assertThat(seq).isEqualTo(UdpSettings.MAX_REPEATED_WANTS + 2);
  }

  @Test
  void clearingDropsWhatIsDueAndKeepsTheWantList() {
    queue.want(CHUNK, 1, START);
    queue.want(MISSING, 2, START);
    assertThat(queue.next(START)).isEqualTo(FRESH);
    queue.advanced(queue.fresh(), LENGTH, START);
    queue.lost(data(CHUNK, 1, 0, 1200));
    queue.want(MISSING + 1, 3, START);
    assertThat(queue.next(START)).isEqualTo(RESEND);
    queue.clearDue();
    assertThat(queue.size()).as("the want list").isEqualTo(2);
  }

  /** A provider with one chunk, {@link #CHUNK}, of {@link #LENGTH} bytes. */
  private static final class OneChunk implements ChunkProvider {
    @Override
    public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
      return true;
    }

    @Override
    public int chunkLength(DataSessionId session, int index) {
      return index == CHUNK ? LENGTH : -1;
    }

    @Override
    public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
      dst.position(dst.limit());
    }
  }
}
