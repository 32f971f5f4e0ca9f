package io.loudp2p.transport.grpc.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.ChunkRequest;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.KeywordSummary;
import io.loudp2p.core.proto.v1.ManifestRequest;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.PeerRecordPayload;
import io.loudp2p.core.proto.v1.ReachabilityCheck;
import io.loudp2p.core.proto.v1.Role;
import io.loudp2p.core.proto.v1.RoleChange;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.proto.v1.Shuffle;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.Envelopes;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What the fuzzer sends, drawn from one {@link Random} per case: random bytes, mutations of valid
 * messages, and validly signed envelopes whose bodies are structurally valid protobuf messages with
 * extreme field values.
 *
 * <p>Every address a generated record lists is a loopback address on a port that refuses
 * connections ({@code refusedPort}), or is malformed: a peer that believes the records dials
 * nothing but that port.
 */
final class FuzzInputs {
  private static final BigInteger CURVE_ORDER = new BigInteger(
      "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);
  static final byte[] MESSAGE_DOMAIN =
      Envelopes.MESSAGE_DOMAIN.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RECORD_DOMAIN =
      Envelopes.PEER_RECORD_DOMAIN.getBytes(StandardCharsets.US_ASCII);

  static final int[] EXTREME_INTS = {0, 1, 2, 7, 8, 9, 16, 17, 50, 51, 255, 256, 1024,
      1025, 4096, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE, -1, -2};
  private static final String[] WORDS = {"fuzzsong", "FUZZSONG", "Fúzzsöng", "fuz", "fu", "f",
      "song", "sigur", "ros", "noise", "a", "the", "ǅ", "ß", "İ", "ﬁ"};

  private final Random r;
  private final long nowMs;
  private final byte[] trackId;
  private final int refusedPort;
  private final Identities identities;
  private final BodyRandomizer randomizer;

  /** Identities by number, made once each, and each one's plain record, signed once. */
  interface Identities {
    Identity get(int n);

    /** A FULL or LIGHT record of {@code who} valid for hours, listing the refusing port. */
    Envelope recordOf(Identity who);
  }

  FuzzInputs(Random r, long nowMs, byte[] trackId, int refusedPort, Identities identities) {
    this.r = r;
    this.nowMs = nowMs;
    this.trackId = trackId;
    this.refusedPort = refusedPort;
    this.identities = identities;
    this.randomizer = new BodyRandomizer(this);
  }

  Random random() {
    return r;
  }

  /** A loopback port that refuses connections: the only one the records made here list. */
  int refusedPort() {
    return refusedPort;
  }

  Identities identities() {
    return identities;
  }

  // ---------------------------------------------------------------------------------------------
  // Raw material
  // ---------------------------------------------------------------------------------------------

  /** Random bytes of a random length, mostly short, now and then long. */
  byte[] randomBytes() {
    int p = r.nextInt(100);
    int length;
    if (p < 5) {
      length = 0;
    } else if (p < 60) {
      length = 1 + r.nextInt(32);
    } else if (p < 90) {
      length = r.nextInt(600);
    } else if (p < 99) {
      length = r.nextInt(20_000);
    } else {
      length = 100_000 + r.nextInt(200_000);
    }
    byte[] b = new byte[length];
    r.nextBytes(b);
    if (length > 0 && r.nextInt(4) == 0) {
      // Start like an Envelope (field 1, length-delimited) so the parser goes a little further.
      b[0] = 0x0a;
    }
    return b;
  }

  int extremeInt() {
    return r.nextInt(3) == 0 ? r.nextInt() : EXTREME_INTS[r.nextInt(EXTREME_INTS.length)];
  }

  long extremeLong() {
    switch (r.nextInt(12)) {
      case 0: return 0;
      case 1: return 1;
      case 2: return -1L;
      case 3: return Long.MAX_VALUE;
      case 4: return Long.MIN_VALUE;
      case 5: return nowMs;
      case 6: return nowMs - 3 * 60_000;
      case 7: return nowMs + 3 * 60_000;
      case 8: return nowMs + 86_400_000L;
      case 9: return nowMs + 2 * 86_400_000L;
      case 10: return 0xffffffffL;
      default: return r.nextLong();
    }
  }

  String randomString() {
    switch (r.nextInt(14)) {
      case 0: return "";
      case 1: return WORDS[r.nextInt(WORDS.length)];
      case 2: return "a".repeat(64);
      case 3: return "a".repeat(65);
      case 4: return "🎵".repeat(1 + r.nextInt(40)); // two UTF-16 units, four UTF-8 bytes each
      case 5: return "e\u0301".repeat(1 + r.nextInt(40)); // combining marks
      case 6: return "x".repeat(1000 + r.nextInt(9000));
      case 7: return "\u0000" + WORDS[r.nextInt(WORDS.length)];
      case 8: return "\uD800"; // a lone surrogate
      case 9: return "\u202Egnosuzzf"; // right-to-left override
      case 10: return r.nextInt(20) == 0 ? "y".repeat(200_000) : "fuzz song";
      default: {
        StringBuilder s = new StringBuilder();
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) {
          s.appendCodePoint(r.nextBoolean() ? 'a' + r.nextInt(26) : 1 + r.nextInt(0x2FFFF));
        }
        return s.toString();
      }
    }
  }

  byte[] bytesOfLength(int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  /** Bytes for a field that should have {@code right} bytes: mostly right, often not. */
  ByteString bytesAround(int right) {
    int p = r.nextInt(10);
    int n;
    if (p < 6) {
      n = right;
    } else if (p == 6) {
      n = 0;
    } else if (p == 7) {
      n = Math.max(0, right + (r.nextBoolean() ? 1 : -1));
    } else if (p == 8) {
      n = r.nextInt(100);
    } else {
      n = r.nextInt(20) == 0 ? 70_000 : 1000;
    }
    return ByteString.copyFrom(bytesOfLength(n));
  }

  int repeatedCount(boolean messages) {
    int p = r.nextInt(40);
    if (p < 12) {
      return 0;
    } else if (p < 28) {
      return 1 + r.nextInt(3);
    } else if (p < 37) {
      int[] edges = {7, 8, 9, 15, 16, 17, 32, 33, 50, 51, 64, 65};
      return edges[r.nextInt(edges.length)];
    }
    return messages ? 100 + r.nextInt(200) : 1000 + r.nextInt(5000);
  }

  // ---------------------------------------------------------------------------------------------
  // Valid messages
  // ---------------------------------------------------------------------------------------------

  ByteString realTrack() {
    return ByteString.copyFrom(trackId);
  }

  Endpoint endpoint(TransportKind kind) {
    byte[] ip = r.nextInt(4) == 0 ? new byte[16] : new byte[] {127, 0, 0, 1};
    if (ip.length == 16) {
      ip[15] = 1;
    }
    return Endpoint.newBuilder().setTransport(kind).setIp(ByteString.copyFrom(ip))
        .setPort(refusedPort).build();
  }

  /** A plausible record of {@code who}: valid for an hour, listing the refusing port. */
  PeerRecord record(Identity who) {
    return PeerRecord.newBuilder()
        .setSequence(1 + r.nextInt(1000))
        .setExpiresAtMs(nowMs + 3_600_000)
        .setRole(r.nextInt(4) == 0 ? Role.ROLE_LIGHT : Role.ROLE_FULL)
        .addEndpoints(endpoint(TransportKind.TRANSPORT_KIND_GRPC))
        .build();
  }

  /** A record envelope signed by {@code who}. */
  Envelope signedRecord(Identity who, PeerRecord record) {
    byte[] payload = PeerRecordPayload.newBuilder()
        .setPeerId(ByteString.copyFrom(who.peerId().bytes())).setRecord(record).build().toByteArray();
    return sign(who, RECORD_DOMAIN, payload);
  }

  /** Someone else's record: one of a pool of identities, the same bytes each time (as relayed). */
  Envelope otherRecord() {
    return identities.recordOf(identities.get(-1 - r.nextInt(64)));
  }

  /** The sender's own record: mostly its usual one, now and then a newer one. */
  Envelope selfRecord(Identity sender) {
    return r.nextInt(8) == 0 ? signedRecord(sender, record(sender)) : identities.recordOf(sender);
  }

  KeywordSummary summary() {
    if (r.nextInt(3) == 0) {
      return KeywordSummary.newBuilder().setBits(bytesAround(32)).setHashCount(extremeInt()).build();
    }
    int bytes = 32 << r.nextInt(r.nextInt(10) == 0 ? 13 : 6); // 256 bits to 1 Mbit
    byte[] bits = new byte[bytes];
    int set = r.nextInt(bytes * 4 + 1);
    for (int i = 0; i < set; i++) {
      int b = r.nextInt(bytes * 8);
      bits[b / 8] |= (byte) (1 << (b % 8));
    }
    return KeywordSummary.newBuilder().setBits(ByteString.copyFrom(bits))
        .setHashCount(1 + r.nextInt(8)).build();
  }

  /** A request body that fits {@code method}, with sensible values, signed as {@code sender}. */
  Payload.Builder sensibleBody(Method method, Identity sender) {
    Payload.Builder p = Payload.newBuilder();
    switch (method) {
      case EXCHANGE_PEERS: {
        PeerExchange.Builder pe = PeerExchange.newBuilder()
            .setSelfRecord(selfRecord(sender));
        for (int i = r.nextInt(4); i > 0; i--) {
          pe.addSample(otherRecord());
        }
        if (r.nextBoolean()) {
          pe.setSummary(summary());
        }
        return p.setPeerExchange(pe);
      }
      case SEARCH: {
        SearchQuery.Builder q = SearchQuery.newBuilder().setQueryId(ByteString.copyFrom(bytesOfLength(16)))
            .setTtl(r.nextInt(8)).setMaxResults(r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(60))
            .setWalkers(r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(8));
        for (int i = 1 + r.nextInt(3); i > 0; i--) {
          q.addTerms(WORDS[r.nextInt(WORDS.length)]);
        }
        return p.setSearchQuery(q);
      }
      case GET_MANIFEST:
        return p.setManifestRequest(ManifestRequest.newBuilder()
            .setTrackId(r.nextInt(3) == 0 ? ByteString.copyFrom(bytesOfLength(32)) : realTrack()));
      case OPEN_STREAM:
        return p.setStreamOpen(streamOpen(r.nextInt(3) != 0, r.nextInt(3) == 0));
      case SHUFFLE: {
        Shuffle.Builder s = Shuffle.newBuilder().setSelfRecord(selfRecord(sender));
        for (int i = r.nextInt(8); i > 0; i--) {
          s.addSample(otherRecord()).addSampleAges(r.nextInt(30));
        }
        if (r.nextBoolean()) {
          s.setSummary(summary());
        }
        return p.setShuffle(s);
      }
      case ANNOUNCE_ROLE:
        return p.setRoleChange(RoleChange.newBuilder().setRecord(selfRecord(sender)));
      case CHECK_REACHABILITY:
        return p.setReachabilityCheck(ReachabilityCheck.newBuilder()
            .setRecord(selfRecord(sender)));
      case LIST_TRACKS: {
        io.loudp2p.core.proto.v1.ListTracks.Builder l = io.loudp2p.core.proto.v1.ListTracks
            .newBuilder().setLimit(r.nextInt(120));
        if (r.nextBoolean()) {
          byte[] after = new byte[r.nextBoolean() ? 32 : r.nextInt(40)];
          r.nextBytes(after);
          l.setAfter(com.google.protobuf.ByteString.copyFrom(after));
        }
        return p.setListTracks(l);
      }
      default:
        throw new IllegalArgumentException(method + " carries no envelope");
    }
  }

  /** A stream open for the shared track (or a random one), offering gRPC (and perhaps UDP first). */
  StreamOpen streamOpen(boolean realTrack, boolean udpToo) {
    StreamOpen.Builder o = StreamOpen.newBuilder()
        .setTrackId(realTrack ? realTrack() : ByteString.copyFrom(bytesOfLength(32)))
        .setSessionId(ByteString.copyFrom(bytesOfLength(16)))
        .setEphemeralPublicKey(ByteString.copyFrom(bytesOfLength(32)));
    if (udpToo) {
      o.addOfferedTransports(TransportKind.TRANSPORT_KIND_UDP)
          .setUdpEndpoint(endpoint(TransportKind.TRANSPORT_KIND_UDP));
    }
    return o.addOfferedTransports(TransportKind.TRANSPORT_KIND_GRPC).build();
  }

  /** Any body, request or not: what a wrong method gets. */
  Payload.Builder anyBody(Identity sender) {
    Payload.Builder p;
    int which = r.nextInt(11);
    if (which < Method.CONTROL.size()) {
      p = sensibleBody(Method.CONTROL.get(which), sender);
    } else {
      // One of the answers: search_hits (12), manifest_response (14), stream_accept (16), reachability_result (20).
      int[] answers = {12, 14, 16, 20};
      FieldDescriptor f = Payload.getDescriptor().findFieldByNumber(answers[which - Method.CONTROL.size()]);
      p = Payload.newBuilder();
      Message.Builder body = p.newBuilderForField(f);
      randomize(body, 0);
      p.setField(f, body.build());
    }
    return p;
  }

  /**
   * Replaces some fields of {@code b} (recursively) with extreme values of their types, within the
   * budgets of {@link BodyRandomizer}.
   */
  void randomize(Message.Builder b, int depth) {
    randomizer.randomize(b, depth);
  }

  // ---------------------------------------------------------------------------------------------
  // Signing
  // ---------------------------------------------------------------------------------------------

  /** Sets sender, a current timestamp and a fresh nonce. */
  Payload.Builder stamp(Payload.Builder p, Identity sender) {
    return p.setSenderPeerId(ByteString.copyFrom(sender.peerId().bytes()))
        .setTimestampMs(nowMs).setNonce(ByteString.copyFrom(bytesOfLength(16)));
  }

  /** Signs {@code payload} as a direct message, exactly as given. */
  Envelope signMessage(Identity who, byte[] payload) {
    return sign(who, MESSAGE_DOMAIN, payload);
  }

  static Envelope sign(Identity who, byte[] domain, byte[] payload) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha.update(domain);
    sha.update(payload);
    return Envelope.newBuilder().setPayload(ByteString.copyFrom(payload))
        .setSignerPublicKey(ByteString.copyFrom(who.publicKey()))
        .setSignature(ByteString.copyFrom(who.signDigest(sha.digest()))).build();
  }

  /** The high-S twin of a valid signature: verifies mathematically, and must be refused. */
  static ByteString highS(ByteString signature) {
    byte[] sig = signature.toByteArray();
    byte[] s = java.util.Arrays.copyOfRange(sig, 32, 64);
    byte[] twin = CURVE_ORDER.subtract(new BigInteger(1, s)).toByteArray();
    byte[] out = sig.clone();
    java.util.Arrays.fill(out, 32, 64, (byte) 0);
    int len = Math.min(32, twin.length);
    System.arraycopy(twin, twin.length - len, out, 64 - len, len);
    return ByteString.copyFrom(out);
  }

  // ---------------------------------------------------------------------------------------------
  // Mutations
  // ---------------------------------------------------------------------------------------------

  /** One to four mutations of {@code valid}: bit flips, truncation, splicing, duplicated fields, bad varints. */
  byte[] mutate(byte[] valid, byte[] other) {
    byte[] b = valid;
    for (int k = 1 + r.nextInt(4); k > 0; k--) {
      b = mutateOnce(b, other);
    }
    return b;
  }

  private byte[] mutateOnce(byte[] b, byte[] other) {
    int n = b.length;
    switch (r.nextInt(9)) {
      case 0: { // flip bits
        byte[] c = b.clone();
        for (int i = 1 + r.nextInt(3); i > 0 && n > 0; i--) {
          c[r.nextInt(n)] ^= (byte) (1 << r.nextInt(8));
        }
        return c;
      }
      case 1: // truncate
        return java.util.Arrays.copyOf(b, n == 0 ? 0 : r.nextInt(n));
      case 2: { // splice: a prefix of one, a suffix of the other
        int cut = n == 0 ? 0 : r.nextInt(n + 1);
        int from = other.length == 0 ? 0 : r.nextInt(other.length + 1);
        return concat(java.util.Arrays.copyOf(b, cut),
            java.util.Arrays.copyOfRange(other, from, other.length));
      }
      case 3: // the whole message twice: every field duplicated (proto merge rules)
        return concat(b, b);
      case 4: // a field of the other appended: a duplicated singular field, last one wins
        return concat(b, other);
      case 5: { // an over-long varint where a tag or length was
        byte[] c = b.clone();
        int at = n == 0 ? 0 : r.nextInt(n);
        byte[] ff = new byte[1 + r.nextInt(11)];
        java.util.Arrays.fill(ff, (byte) 0xff);
        return concat(concat(java.util.Arrays.copyOf(c, at), ff), java.util.Arrays.copyOfRange(c, at, n));
      }
      case 6: { // a length prefix claiming far more than there is
        byte[] c = b.clone();
        if (n > 1) {
          c[1] = (byte) 0xff;
          return concat(concat(java.util.Arrays.copyOf(c, 2), new byte[] {(byte) 0xff, 0x7f}),
              java.util.Arrays.copyOfRange(c, 2, n));
        }
        return c;
      }
      case 7: { // random bytes inserted
        int at = n == 0 ? 0 : r.nextInt(n + 1);
        return concat(concat(java.util.Arrays.copyOf(b, at), bytesOfLength(1 + r.nextInt(16))),
            java.util.Arrays.copyOfRange(b, at, n));
      }
      default: { // a byte overwritten with an edge value
        byte[] c = b.clone();
        if (n > 0) {
          byte[] edges = {0, (byte) 0x80, (byte) 0xff, 0x7f, 0x0a, 0x12, 0x1a};
          c[r.nextInt(n)] = edges[r.nextInt(edges.length)];
        }
        return c;
      }
    }
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  // ---------------------------------------------------------------------------------------------
  // Chunk requests
  // ---------------------------------------------------------------------------------------------

  /** A chunk index: mostly one the track has, often an edge of the uint32 range. */
  int chunkIndex(int chunks) {
    int p = r.nextInt(10);
    if (p < 7) {
      return r.nextInt(chunks);
    }
    int[] edges = {chunks, chunks + 1, Integer.MAX_VALUE, Integer.MIN_VALUE, -1, -2, 4096,
        r.nextInt()};
    return edges[r.nextInt(edges.length)];
  }

  List<Integer> indexes(int chunks) {
    int p = r.nextInt(20);
    int n = p < 4 ? 0 : p < 17 ? 1 + r.nextInt(4) : p < 19 ? 20 + r.nextInt(100)
        : 4000 + r.nextInt(2000);
    List<Integer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(n > 200 ? r.nextInt() : chunkIndex(chunks));
    }
    return out;
  }

  /** A follow-up request: wants and cancels, now and then a session id or handshake again. */
  ChunkRequest followUp(int chunks) {
    ChunkRequest.Builder c = ChunkRequest.newBuilder().addAllWant(indexes(chunks));
    if (r.nextInt(3) == 0) {
      c.addAllCancel(indexes(chunks));
    }
    if (r.nextInt(10) == 0) {
      c.setSessionId(bytesAround(16));
    }
    if (r.nextInt(10) == 0) {
      c.setHandshake(bytesAround(200));
    }
    return c.build();
  }
}
