package io.loudp2p.transport.udp.internal;

/**
 * What a session remembers of one ack-eliciting packet it sent: enough to account for it in
 * flight and to resend its frames if it is lost, never the bytes themselves (a source reads chunk
 * bytes again from its provider). Pooled and reused; not thread-safe.
 */
public final class SentPacket {
  /** Most request entries one packet carries. */
  static final int MAX_REQUEST_ENTRIES = Wire.MAX_REQUEST_ENTRIES;

  long pn;
  long sentNs;
  int bytes;
  /** Whether the packet counts toward bytes in flight. */
  boolean inFlight;

  /** DATA carried, or {@code -1}. */
  int dataChunk = -1;
  int dataOffset;
  int dataLength;
  int dataSeq;

  /** Whether an UNAVAILABLE frame is carried, for {@link #unavailableChunk}. */
  boolean unavailable;
  /**
   * The chunk of the UNAVAILABLE carried: any int, since indexes past 2^31 - 1 (negative as an
   * int) are answered too.
   */
  int unavailableChunk;

  /**
   * REQUEST entries carried: chunk, request sequence number and kind (want or cancel). The arrays
   * exist only once {@link #requestRoom} was called: a source's DATA packets never need them.
   */
  int requestCount;
  int[] requestChunks;
  int[] requestSeqs;
  boolean[] requestWants;

  /** Makes room for {@link #MAX_REQUEST_ENTRIES} request entries. */
  void requestRoom() {
    if (requestChunks == null) {
      requestChunks = new int[MAX_REQUEST_ENTRIES];
      requestSeqs = new int[MAX_REQUEST_ENTRIES];
      requestWants = new boolean[MAX_REQUEST_ENTRIES];
    }
  }

  /** Makes a record for a packet number; used by tests and the pool. */
  public static SentPacket of(long pn, long sentNs, int bytes) {
    SentPacket p = new SentPacket();
    p.pn = pn;
    p.sentNs = sentNs;
    p.bytes = bytes;
    p.inFlight = true;
    return p;
  }

  /** The packet number. */
  public long pn() {
    return pn;
  }

  /** When it was sent. */
  public long sentNs() {
    return sentNs;
  }

  /** Its size on the wire. */
  public int bytes() {
    return bytes;
  }

  void reset() {
    pn = -1;
    sentNs = 0;
    bytes = 0;
    inFlight = false;
    dataChunk = -1;
    unavailable = false;
    requestCount = 0;
  }
}
