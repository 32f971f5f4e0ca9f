package io.loudp2p.transport.udp.internal;

/**
 * Tracks the ack-eliciting packets a session sent and decides, from the peer's ACKs and the
 * clock, which were delivered and which were lost.
 *
 * <p>Not thread-safe: owned by one session on its I/O thread; times are passed in.
 */
public interface LossDetector {
  /** Hears what became of sent packets. */
  interface Outcome {
    /** {@code p} was acknowledged; the detector forgets it after this call. */
    void onAcked(SentPacket p, long nowNs);

    /** {@code p} was declared lost; the detector forgets it after this call. */
    void onLost(SentPacket p, long nowNs);
  }

  /** Whether another packet may be tracked (the state is bounded). */
  boolean hasRoom();

  /** Records a sent ack-eliciting packet; packet numbers increase. */
  void onSent(SentPacket p);

  /**
   * Processes one ACK frame.
   *
   * @param ranges pairs of (smallest, largest) acknowledged packet numbers, largest range first
   * @param rangeCount how many pairs are in {@code ranges}
   * @param ackDelayNs the delay the peer reported
   */
  void onAck(long[] ranges, int rangeCount, long ackDelayNs, long nowNs, Outcome outcome);

  /** When {@link #onTimeout} should next run, or {@code Long.MAX_VALUE}. */
  long timeoutNs();

  /**
   * Runs the loss timer: declares time-threshold losses, or when there are none, counts a probe
   * timeout.
   *
   * @return whether a probe timeout fired (the caller sends an ack-eliciting probe)
   */
  boolean onTimeout(long nowNs, Outcome outcome);

  /** Bytes of tracked packets that count in flight. */
  long bytesInFlight();

  /** How many packets are tracked. */
  int trackedPackets();

  /** Forgets every packet, reporting none. */
  void clear();
}
