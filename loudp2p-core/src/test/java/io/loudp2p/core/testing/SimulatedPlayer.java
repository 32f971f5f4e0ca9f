package io.loudp2p.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The player of a {@link SimulatedNetwork}: reads a stream session's input stream at the bitrate,
 * one chunk at a time, and counts the stalls where the next chunk was not there yet.
 *
 * <p>It reads a chunk's bytes but the last when it starts playing it, so that the session sees the
 * read position inside that chunk while it plays, and the last byte when it has played. It never
 * blocks: it reads only what the stream says is available.
 */
final class SimulatedPlayer {
  /** Where the player asks to hear when a chunk has played. */
  interface PlayedTimer {
    void at(long timeNs, int generation, int chunk);
  }

  private final InputStream in;
  private final byte[][] chunks;
  private final long bitrateBytesPerSecond;
  private final FakeClock clock;
  private final PlayedTimer timer;
  private boolean running;
  private int chunk;
  private byte[] playing = new byte[0];
  /** Bumped by every seek, so that the end of a chunk played before the seek is ignored. */
  private int generation;
  private long stallStartNs = -1;
  int stalls;
  long stallNs;
  int chunksPlayed;
  int corruptChunksPlayed;
  boolean finished;

  SimulatedPlayer(InputStream in, byte[][] chunks, long bitrateBytesPerSecond, FakeClock clock,
      PlayedTimer timer) {
    this.in = in;
    this.chunks = chunks;
    this.bitrateBytesPerSecond = bitrateBytesPerSecond;
    this.clock = clock;
    this.timer = timer;
  }

  /** Chunk {@code index} reached the session: play it if the player waits for it. */
  void onArrived(int index) throws IOException {
    if (index == chunk && !running && in.available() > 0) {
      endStall();
      startPlaying();
    }
  }

  /** The chunk started in {@code playedGeneration} has played. */
  void onPlayed(int playedGeneration, int index) throws IOException {
    if (playedGeneration != generation) {
      return;
    }
    int last = in.read();
    chunksPlayed++;
    byte[] played = Arrays.copyOf(playing, playing.length + 1);
    played[playing.length] = (byte) last;
    if (last < 0 || !Arrays.equals(played, chunks[index])) {
      corruptChunksPlayed++;
    }
    if (index + 1 == chunks.length) {
      finished = true;
      return;
    }
    chunk = index + 1;
    if (in.available() > 0) {
      startPlaying();
    } else {
      running = false;
      stalls++;
      stallStartNs = clock.nanoTime();
    }
  }

  /** The session was asked to seek to chunk {@code index}: play from there once it is there. */
  void onSeek(int index) throws IOException {
    chunk = index;
    running = false;
    generation++;
    endStall();
    if (in.available() > 0) {
      startPlaying();
    }
  }

  /** Ends the stall under way, if any, when the run ends. */
  void endStall() {
    if (stallStartNs >= 0) {
      stallNs += clock.nanoTime() - stallStartNs;
      stallStartNs = -1;
    }
  }

  private void startPlaying() throws IOException {
    running = true;
    playing = in.readNBytes(chunks[chunk].length - 1);
    long playNs = chunks[chunk].length * SimulatedNetwork.NANOS_PER_SECOND / bitrateBytesPerSecond;
    timer.at(clock.nanoTime() + playNs, generation, chunk);
  }
}
