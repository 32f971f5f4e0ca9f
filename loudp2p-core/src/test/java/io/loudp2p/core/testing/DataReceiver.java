package io.loudp2p.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.stream.internal.ChunkBuffer;
import io.loudp2p.core.stream.internal.Reassembler;
import io.loudp2p.spi.DataSession;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Collects a session's callbacks into a {@link ChunkBuffer}, checking the callback contract. */
class DataReceiver implements DataSession.Listener {
  final byte[] track;
  final ChunkBuffer<String> buffer;
  final Map<Integer, CompletableFuture<Void>> verified = new ConcurrentHashMap<>();
  final Map<Integer, CompletableFuture<Void>> unavailable = new ConcurrentHashMap<>();
  final CompletableFuture<DataSession.CloseReason> closed = new CompletableFuture<>();
  final AtomicInteger closeCalls = new AtomicInteger();
  final AtomicInteger fragments = new AtomicInteger();
  final AtomicInteger largestFragment = new AtomicInteger();
  final AtomicReference<String> violation = new AtomicReference<>();
  final AtomicBoolean inCallback = new AtomicBoolean();
  final Map<Integer, AtomicInteger> fragmentsPerChunk = new ConcurrentHashMap<>();

  DataReceiver(byte[] track) {
    this.track = track;
    int chunks = (track.length + AbstractDataTransportTest.CHUNK_SIZE - 1) / AbstractDataTransportTest.CHUNK_SIZE;
    this.buffer =
        new ChunkBuffer<>(
            track.length, AbstractDataTransportTest.CHUNK_SIZE, chunks, Math.min(chunks, Reassembler.MAX_IN_ASSEMBLY),
            (index, buf, off, len) -> {
              boolean ok =
                  Arrays.equals(
                      buf, off, off + len, track, index * AbstractDataTransportTest.CHUNK_SIZE, index * AbstractDataTransportTest.CHUNK_SIZE + len);
              if (ok) {
                chunk(verified, index).complete(null);
              }
              return ok;
            },
            (index, reason, sources) -> violation.compareAndSet(
                null, "chunk " + index + " rejected: " + reason));
  }

  static CompletableFuture<Void> chunk(
      Map<Integer, CompletableFuture<Void>> map, int index) {
    return map.computeIfAbsent(index, i -> new CompletableFuture<>());
  }

  private void enter() {
    if (!inCallback.compareAndSet(false, true)) {
      violation.compareAndSet(null, "callbacks of one session ran concurrently");
    }
    if (closed.isDone()) {
      violation.compareAndSet(null, "a callback came after onClosed");
    }
  }

  @Override
  public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
    enter();
    try {
      fragments.incrementAndGet();
      fragmentsPerChunk.computeIfAbsent(chunkIndex, i -> new AtomicInteger()).incrementAndGet();
      largestFragment.accumulateAndGet(data.remaining(), Math::max);
      buffer.onFragment("source", chunkIndex, offset, data);
    } finally {
      inCallback.set(false);
    }
  }

  @Override
  public void onUnavailable(int chunkIndex) {
    enter();
    try {
      chunk(unavailable, chunkIndex).complete(null);
    } finally {
      inCallback.set(false);
    }
  }

  @Override
  public void onClosed(DataSession.CloseReason reason) {
    enter();
    try {
      closeCalls.incrementAndGet();
      closed.complete(reason);
    } finally {
      inCallback.set(false);
    }
  }

  int chunkCount() {
    return buffer.chunkCount();
  }

  void assertContractKept() {
    assertThat(violation.get()).as("listener contract").isNull();
  }
}
