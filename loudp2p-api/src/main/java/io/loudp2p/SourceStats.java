package io.loudp2p;

import java.time.Duration;
import java.util.Objects;

/**
 * What one source did for a {@link StreamSession}: bytes delivered, chunks, failures, and how fast
 * it answers.
 *
 * <p>Immutable.
 */
public final class SourceStats {
  private final PeerId peer;
  private final long bytes;
  private final int chunks;
  private final int badChunks;
  private final Duration roundTrip;
  private final long bytesPerSecond;
  private final boolean active;
  private final String transport;

  /** Makes a snapshot of a source whose data transport is not named. */
  public SourceStats(PeerId peer, long bytes, int chunks, int badChunks, Duration roundTrip,
      long bytesPerSecond, boolean active) {
    this(peer, bytes, chunks, badChunks, roundTrip, bytesPerSecond, active, "");
  }

  /** Makes a snapshot; {@code transport} names the data transport the chunks came over. */
  public SourceStats(PeerId peer, long bytes, int chunks, int badChunks, Duration roundTrip,
      long bytesPerSecond, boolean active, String transport) {
    this.transport = Objects.requireNonNull(transport, "transport");
    this.peer = Objects.requireNonNull(peer, "peer");
    this.bytes = bytes;
    this.chunks = chunks;
    this.badChunks = badChunks;
    this.roundTrip = Objects.requireNonNull(roundTrip, "roundTrip");
    this.bytesPerSecond = bytesPerSecond;
    this.active = active;
  }

  /** The source. */
  public PeerId peer() {
    return peer;
  }

  /** Verified bytes it delivered. */
  public long bytes() {
    return bytes;
  }

  /** Verified chunks it delivered. */
  public int chunks() {
    return chunks;
  }

  /** Chunks from it that failed verification. */
  public int badChunks() {
    return badChunks;
  }

  /** Its smoothed round-trip time (zero before the first answer). */
  public Duration roundTrip() {
    return roundTrip;
  }

  /** Its estimated delivery rate. */
  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  /** Whether the session still fetches from it (false once dropped or banned). */
  public boolean active() {
    return active;
  }

  /**
   * The data transport its chunks come over ("udp", "grpc"; "grpc-relayed" for a chunk stream
   * through a relay, to a source behind a NAT), or "" when not known.
   */
  public String transport() {
    return transport;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SourceStats)) {
      return false;
    }
    SourceStats s = (SourceStats) o;
    return peer.equals(s.peer) && bytes == s.bytes && chunks == s.chunks
        && badChunks == s.badChunks && roundTrip.equals(s.roundTrip)
        && bytesPerSecond == s.bytesPerSecond && active == s.active
        && transport.equals(s.transport);
  }

  @Override
  public int hashCode() {
    return Objects.hash(peer, bytes, chunks, badChunks, roundTrip, bytesPerSecond, active,
        transport);
  }

  @Override
  public String toString() {
    return "SourceStats{" + peer + ", " + bytes + " bytes, " + chunks + " chunks, " + badChunks
        + " bad, rtt " + roundTrip.toMillis() + " ms, " + bytesPerSecond + " B/s"
        + (transport.isEmpty() ? "" : ", over " + transport) + (active ? "" : ", inactive") + "}";
  }
}
