package io.loudp2p.examples.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What an observer on a lab host's link saw ({@link Lab#capture}): the IPv4 packets, and what
 * they carried above TCP and UDP, each packet's payload alone and each TCP direction's bytes in the
 * order they passed (a search through these finds a string however TCP cut it into segments).
 */
final class WireCapture {
  private static final int TCP = 6;
  private static final int UDP = 17;

  private final List<byte[]> payloads = new ArrayList<>();
  private final Map<String, ByteArrayOutputStream> tcpStreams = new LinkedHashMap<>();
  private long tcpBytes;
  private long udpBytes;
  private int packets;
  private @Nullable List<byte[]> haystacks;
  private @Nullable List<byte[]> lowered;

  private WireCapture() {}

  /** Reads a capture file: 4-byte big-endian lengths, each followed by one packet. */
  static WireCapture read(Path file) throws IOException {
    WireCapture c = new WireCapture();
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
    while (in.remaining() >= 4) {
      int length = in.getInt();
      if (length < 0 || length > in.remaining()) {
        throw new IOException("capture " + file + " is cut short at byte " + in.position());
      }
      byte[] packet = new byte[length];
      in.get(packet);
      c.add(packet);
    }
    return c;
  }

  private void add(byte[] p) {
    packets++;
    if (p.length < 20 || (p[0] & 0xf0) != 0x40) {
      return; // not IPv4: the lab speaks only IPv4
    }
    int ipHeader = (p[0] & 0x0f) * 4;
    int total = Math.min(p.length, ((p[2] & 0xff) << 8) | (p[3] & 0xff));
    int protocol = p[9] & 0xff;
    String from = (p[12] & 0xff) + "." + (p[13] & 0xff) + "." + (p[14] & 0xff) + "." + (p[15] & 0xff);
    String to = (p[16] & 0xff) + "." + (p[17] & 0xff) + "." + (p[18] & 0xff) + "." + (p[19] & 0xff);
    if (protocol == TCP && total >= ipHeader + 20) {
      int start = ipHeader + ((p[ipHeader + 12] & 0xf0) >> 4) * 4;
      if (start < total) {
        byte[] data = java.util.Arrays.copyOfRange(p, start, total);
        payloads.add(data);
        tcpBytes += data.length;
        String flow = from + ":" + port(p, ipHeader) + ">" + to + ":" + port(p, ipHeader + 2);
        tcpStreams.computeIfAbsent(flow, k -> new ByteArrayOutputStream()).writeBytes(data);
      }
    } else if (protocol == UDP && total >= ipHeader + 8) {
      byte[] data = java.util.Arrays.copyOfRange(p, ipHeader + 8, total);
      payloads.add(data);
      udpBytes += data.length;
    }
  }

  private static int port(byte[] p, int at) {
    return ((p[at] & 0xff) << 8) | (p[at + 1] & 0xff);
  }

  /** Packets captured, of any kind. */
  int packets() {
    return packets;
  }

  /** Bytes carried above TCP, both ways. */
  long tcpBytes() {
    return tcpBytes;
  }

  /** Bytes carried above UDP, both ways. */
  long udpBytes() {
    return udpBytes;
  }

  /** Whether any packet's payload, or any TCP direction's byte stream, holds {@code needle}. */
  boolean contains(byte[] needle) {
    return anyHolds(haystacks(), needle);
  }

  /** Whether {@code text} passed in ASCII, in any mix of upper and lower case. */
  boolean containsText(String text) {
    if (lowered == null) {
      lowered = new ArrayList<>();
      for (byte[] h : haystacks()) {
        lowered.add(lower(h));
      }
    }
    return anyHolds(lowered,
        text.toLowerCase(Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** The payloads, then each TCP direction's bytes in order; made once. */
  private List<byte[]> haystacks() {
    if (haystacks == null) {
      haystacks = new ArrayList<>(payloads);
      for (ByteArrayOutputStream s : tcpStreams.values()) {
        haystacks.add(s.toByteArray());
      }
    }
    return haystacks;
  }

  private static boolean anyHolds(List<byte[]> haystacks, byte[] needle) {
    for (byte[] h : haystacks) {
      if (indexOf(h, needle) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static byte[] lower(byte[] b) {
    byte[] out = b.clone();
    for (int i = 0; i < out.length; i++) {
      if (out[i] >= 'A' && out[i] <= 'Z') {
        out[i] += 'a' - 'A';
      }
    }
    return out;
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public String toString() {
    return packets + " packets, " + tcpBytes + " bytes over TCP in " + tcpStreams.size()
        + " directions, " + udpBytes + " over UDP";
  }
}
