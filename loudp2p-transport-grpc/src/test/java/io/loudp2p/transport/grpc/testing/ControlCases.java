package io.loudp2p.transport.grpc.testing;

import static io.loudp2p.transport.grpc.testing.RawCalls.GRACE;
import static io.loudp2p.transport.grpc.testing.RawCalls.WRONG_METHOD_OUTCOME;
import static io.loudp2p.transport.grpc.testing.RawCalls.describe;
import static io.loudp2p.transport.grpc.testing.RawCalls.outcome;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.Status;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.PublicKey;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.wire.Envelopes;
import io.loudp2p.transport.grpc.testing.RawCalls.Answer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The control-method cases of a {@link ControlPlaneFuzzer} run, and the checks of their answers:
 * random bytes; mutations of valid signed requests (some re-signed, so that they reach the payload
 * parser); envelopes with one edge (signature, key, timestamp, nonce, sender, body); validly
 * signed bodies with extreme field values; and valid bodies of one method sent on another, which
 * must be refused as {@code WRONG_METHOD}.
 */
final class ControlCases {
  private static final byte[] MESSAGE_DOMAIN =
      Envelopes.MESSAGE_DOMAIN.getBytes(StandardCharsets.US_ASCII);

  private final ControlPlaneFuzzer fuzzer;
  private final PeerId peerId;
  private volatile @Nullable PublicKey peerKey;

  ControlCases(ControlPlaneFuzzer fuzzer, PeerId peerId) {
    this.fuzzer = fuzzer;
    this.peerId = peerId;
  }

  /** Sends case {@code k} of control method {@code m} and counts its outcome. */
  void run(Method m, int k) throws InterruptedException {
    FuzzInputs in = fuzzer.inputs(m, k);
    Random r = in.random();
    Identity sender = fuzzer.sender(m, k);
    int p = r.nextInt(100);
    String category;
    byte[] request;
    String detail = "";
    if (p < 20) {
      category = "random bytes";
      request = in.randomBytes();
    } else if (p < 45) {
      Envelope valid = in.signMessage(sender, in.stamp(in.sensibleBody(m, sender), sender).build().toByteArray());
      // Spliced in: another body's payload bytes (unsigned; only its bytes matter).
      byte[] other = in.stamp(in.anyBody(sender), sender).build().toByteArray();
      if (r.nextBoolean()) {
        category = "mutated envelope";
        request = in.mutate(valid.toByteArray(), other);
      } else {
        category = "mutated payload, signed";
        byte[] payload = in.mutate(valid.getPayload().toByteArray(), other);
        request = in.signMessage(sender, payload).toByteArray();
      }
    } else if (p < 57) {
      category = "edge envelope";
      Payload.Builder body = in.stamp(in.sensibleBody(m, sender), sender);
      String[] what = new String[1];
      request = edgeEnvelope(in, sender, body, what);
      detail = what[0];
    } else if (p < 85) {
      category = "signed, extreme body";
      Payload.Builder body = in.sensibleBody(m, sender);
      randomizeBody(in, body);
      detail = shortText(body);
      request = in.signMessage(sender, in.stamp(body, sender).build().toByteArray()).toByteArray();
    } else if (p < 94) {
      category = "signed, another method's body";
      Payload.Builder body = in.anyBody(sender);
      if (r.nextBoolean()) {
        randomizeBody(in, body);
      }
      detail = shortText(body);
      request = in.signMessage(sender, in.stamp(body, sender).build().toByteArray()).toByteArray();
      if (body.getBodyCase() != m.request
          && request.length <= ControlPlaneFuzzer.MAX_CONTROL_REQUEST_BYTES) {
        // Valid in every way but its method: refused by rule 8, before any rate limit. (One over
        // the size limit is refused for its size first, unread.)
        Answer a = fuzzer.call(m, request);
        record(m, a, "case " + k + " (" + category + ")", request, detail);
        String outcome = outcome(a.status());
        if (!outcome.equals(WRONG_METHOD_OUTCOME)) {
          fuzzer.report.count(m, "!NOT_WRONG_METHOD", 0);
          fuzzer.report.example(m, "!NOT_WRONG_METHOD", "case " + k + ": " + body.getBodyCase()
              + " answered " + outcome + "; " + describe(request, detail));
        }
        return;
      }
    } else {
      category = "signed, sensible body";
      Payload.Builder body = in.sensibleBody(m, sender);
      detail = shortText(body);
      request = in.signMessage(sender, in.stamp(body, sender).build().toByteArray()).toByteArray();
    }
    Answer a = fuzzer.call(m, request);
    record(m, a, "case " + k + " (" + category + ")", request, detail);
  }

  private static void randomizeBody(FuzzInputs in, Payload.Builder body) {
    FieldDescriptor f = body.getOneofFieldDescriptor(Payload.getDescriptor().getOneofs().get(0));
    if (f == null) {
      return;
    }
    Message.Builder b = ((Message) body.getField(f)).toBuilder();
    in.randomize(b, 0);
    body.setField(f, b.build());
  }

  /** A valid body in an envelope with one edge: signature, key, timestamp, nonce, sender, body. */
  private byte[] edgeEnvelope(FuzzInputs in, Identity sender, Payload.Builder body, String[] what) {
    Random r = in.random();
    switch (r.nextInt(12)) {
      case 0: {
        what[0] = "high-S twin of a valid signature";
        Envelope e = in.signMessage(sender, body.build().toByteArray());
        return e.toBuilder().setSignature(FuzzInputs.highS(e.getSignature())).build().toByteArray();
      }
      case 1:
        what[0] = "signed with the peer-record domain";
        return FuzzInputs.sign(sender, Envelopes.PEER_RECORD_DOMAIN.getBytes(StandardCharsets.US_ASCII),
            body.build().toByteArray()).toByteArray();
      case 2: {
        what[0] = "signature of another length";
        Envelope e = in.signMessage(sender, body.build().toByteArray());
        return e.toBuilder().setSignature(in.bytesAround(64)).build().toByteArray();
      }
      case 3: {
        what[0] = "signed by another key";
        Envelope e = in.signMessage(fuzzer.identity(-1000 - r.nextInt(8)), body.build().toByteArray());
        return e.toByteArray();
      }
      case 4: {
        what[0] = "public key not a compressed point";
        Envelope e = in.signMessage(sender, body.build().toByteArray());
        byte[] key = e.getSignerPublicKey().toByteArray();
        int v = r.nextInt(3);
        if (v == 0) {
          key[0] = 0x04;
        } else if (v == 1) {
          key[1 + r.nextInt(32)] ^= 1; // likely off the curve, or another key
        } else {
          key = java.util.Arrays.copyOf(key, r.nextBoolean() ? 32 : 65);
        }
        return e.toBuilder().setSignerPublicKey(ByteString.copyFrom(key)).build().toByteArray();
      }
      case 5:
        body.setTimestampMs(in.extremeLong());
        what[0] = "timestamp " + Long.toUnsignedString(body.getTimestampMs());
        break;
      case 6:
        body.setNonce(in.bytesAround(16));
        what[0] = "nonce of " + body.getNonce().size() + " bytes";
        break;
      case 7:
        body.setSenderPeerId(r.nextBoolean() ? in.bytesAround(21)
            : ByteString.copyFrom(fuzzer.identity(-2000).peerId().bytes()));
        what[0] = "sender " + HexFormat.of().formatHex(body.getSenderPeerId().toByteArray());
        break;
      case 8:
        body.clearBody();
        what[0] = "no body";
        break;
      case 9: {
        what[0] = "unknown fields appended to the payload";
        // Field 99 (varint) and field 100 (bytes): a later minor version's additions.
        byte[] extra = {(byte) 0x98, 0x06, 0x2a, (byte) 0xa2, 0x06, 0x02, 0x01, 0x02};
        return in.signMessage(sender, FuzzInputs.concat(body.build().toByteArray(), extra)).toByteArray();
      }
      case 10: {
        what[0] = "the same envelope twice (a replay)";
        byte[] once = in.signMessage(sender, body.build().toByteArray()).toByteArray();
        try {
          fuzzer.call(Method.EXCHANGE_PEERS, once); // the first use, whatever it answers
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return once;
      }
      default: {
        what[0] = "unknown fields in the envelope";
        byte[] e = in.signMessage(sender, body.build().toByteArray()).toByteArray();
        return FuzzInputs.concat(e, new byte[] {0x20, 0x01, 0x2a, 0x00});
      }
    }
    return in.signMessage(sender, body.build().toByteArray()).toByteArray();
  }

  /** A body as text for an example, cut short; a large one by its size alone. */
  static String shortText(Message.Builder b) {
    int size = b.build().getSerializedSize();
    if (size > 4096) {
      return b.getDescriptorForType().getName() + " of " + size + " bytes";
    }
    String s = com.google.protobuf.TextFormat.shortDebugString(b);
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  private void record(Method m, Answer a, String what, byte[] request, String detail) {
    Status s = a.status();
    String outcome = outcome(s);
    fuzzer.report.count(m, outcome, a.millis());
    if (s != null && Method.CONTROL.contains(m) && s.getCode() == Status.Code.UNAUTHENTICATED
        && !outcome.contains("/")) {
      // On the control methods only the envelope rules answer UNAUTHENTICATED, and the status
      // message names the rule that failed (PROTOCOL.md, section 5).
      fuzzer.report.count(m, "!UNNAMED_RULE", 0);
      fuzzer.report.example(m, "!UNNAMED_RULE", what + ": " + s + "; " + describe(request, detail));
    }
    String problem = null;
    if (s != null && s.isOk()) {
      problem = checkAnswers(m, a.messages());
    } else if (s != null && !a.messages().isEmpty() && m != Method.SEARCH) {
      problem = a.messages().size() + " messages before " + s.getCode();
    }
    if (problem != null) {
      fuzzer.report.count(m, "!BAD_RESPONSE", 0);
      fuzzer.report.example(m, "!BAD_RESPONSE", what + ": " + problem + "; " + describe(request, detail));
    }
    if (FuzzReport.failing(outcome)) {
      fuzzer.report.example(m, outcome, what + ": " + (s == null ? "no status within "
          + fuzzer.options.callDeadline().plus(GRACE) : s.getDescription()) + "; " + describe(request, detail));
    }
  }


  /** Why the answers of an OK call are wrong, or null when they are right. */
  @Nullable String checkAnswers(Method m, List<byte[]> answers) {
    if (m != Method.SEARCH && answers.size() != 1) {
      return answers.size() + " answers to a unary call";
    }
    for (byte[] answer : answers) {
      String problem = checkSigned(answer, m.response);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  /** Whether {@code bytes} is an envelope signed by the peer carrying {@code body}. */
  private @Nullable String checkSigned(byte[] bytes, Payload.@Nullable BodyCase body) {
    try {
      Envelope e = Envelope.parseFrom(bytes);
      PublicKey key = peerKey;
      if (key == null || !ByteString.copyFrom(key.encoded()).equals(e.getSignerPublicKey())) {
        PublicKey k = PublicKey.decodeCompressed(e.getSignerPublicKey().toByteArray());
        if (!k.peerId().equals(peerId)) {
          return "answer signed by " + k.peerId() + ", not the peer";
        }
        peerKey = k;
        key = k;
      }
      MessageDigest sha = ControlPlaneFuzzer.sha256();
      sha.update(MESSAGE_DOMAIN);
      sha.update(e.getPayload().asReadOnlyByteBuffer());
      if (!key.verifyDigest(sha.digest(), e.getSignature().toByteArray())) {
        return "the answer's signature does not verify";
      }
      Payload p = Payload.parseFrom(e.getPayload());
      if (!peerId.matches(p.getSenderPeerId().toByteArray())) {
        return "the answer names another sender";
      }
      if (p.getBodyCase() != body) {
        return "answered with " + p.getBodyCase() + ", not " + body;
      }
      return null;
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      return "not an envelope carrying a payload: " + e.getMessage();
    }
  }
}
