package io.loudp2p.transport.grpc.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.KeywordSummary;
import io.loudp2p.core.proto.v1.PeerRecord;
import java.util.Random;

/**
 * Extreme values in valid structures, for one fuzz case: replaces fields of a message, nested ones
 * too, with the edges of their types, within budgets of repeated elements and content so that a
 * case stays megabytes at most. Owns those budgets; draws from its case's {@link FuzzInputs}.
 */
final class BodyRandomizer {
  private final FuzzInputs in;
  private final Random r;

  BodyRandomizer(FuzzInputs in) {
    this.in = in;
    this.r = in.random();
  }


  /**
   * Most repeated elements in one randomized message, nested ones included: enough to pass every
   * limit a peer has, and no more, so that the messages stay megabytes, not gigabytes (hundreds of
   * messages of hundreds of messages three levels deep would be).
   */
  private static final int MAX_REPEATED_ELEMENTS = 20_000;
  /**
   * Most string and bytes content in one randomized message, in characters and bytes, copies
   * counted each time: past three times a peer's 1 MiB limit, so that the refusals of large
   * requests are tried, and no more.
   */
  private static final int MAX_CONTENT = 3 << 20;

  private int elementsLeft = MAX_REPEATED_ELEMENTS;
  private int contentLeft = MAX_CONTENT;

  /** Replaces some fields of {@code b} (recursively) with extreme values of their types. */
  void randomize(Message.Builder b, int depth) {
    if (depth == 0) {
      elementsLeft = MAX_REPEATED_ELEMENTS;
      contentLeft = MAX_CONTENT;
    }
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (f.getContainingOneof() != null || r.nextInt(3) != 0) {
        continue;
      }
      if (r.nextInt(6) == 0) {
        b.clearField(f);
        continue;
      }
      if (f.isRepeated()) {
        b.clearField(f);
        int n = Math.min(in.repeatedCount(f.getJavaType() == FieldDescriptor.JavaType.MESSAGE),
            elementsLeft);
        elementsLeft -= n;
        Object same = null;
        boolean duplicates = r.nextInt(4) == 0;
        for (int i = 0; i < n; i++) {
          Object v;
          if (duplicates && same != null) {
            // A copy costs its size again when serialized: a copied 200 KB string, or a copied
            // message of copies, would otherwise make gigabytes of a few objects.
            int size = sizeOf(same);
            if (size > contentLeft) {
              break;
            }
            contentLeft -= size;
            v = same;
          } else {
            v = value(b, f, depth);
          }
          same = v;
          b.addRepeatedField(f, v);
        }
      } else {
        b.setField(f, value(b, f, depth));
      }
    }
  }

  private static int sizeOf(Object v) {
    if (v instanceof String t) {
      return t.length();
    } else if (v instanceof ByteString t) {
      return t.size();
    } else if (v instanceof Message t) {
      return t.getSerializedSize();
    }
    return 8;
  }

  private Object value(Message.Builder parent, FieldDescriptor f, int depth) {
    String name = f.getName();
    switch (f.getJavaType()) {
      case INT:
        if (name.equals("port") && r.nextBoolean()) {
          return in.refusedPort();
        }
        return in.extremeInt();
      case LONG:
        return in.extremeLong();
      case BOOLEAN:
        return r.nextBoolean();
      case FLOAT: {
        float[] floats = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MAX_VALUE, Float.MIN_VALUE, r.nextFloat()};
        return floats[r.nextInt(floats.length)];
      }
      case DOUBLE:
        return r.nextDouble();
      case STRING: {
        String v = in.randomString();
        if (v.length() > contentLeft) {
          return "";
        }
        contentLeft -= v.length();
        return v;
      }
      case BYTE_STRING: {
        ByteString v = bytesFor(name);
        if (v.size() > contentLeft) {
          return ByteString.EMPTY;
        }
        contentLeft -= v.size();
        return v;
      }
      case ENUM: {
        // Unknown numbers from a fixed set: protobuf remembers each unknown number it is given
        // a descriptor for, and random ones would fill the heap this run measures.
        int n = r.nextInt(4) == 0 ? FuzzInputs.EXTREME_INTS[r.nextInt(FuzzInputs.EXTREME_INTS.length)]
            : r.nextInt(f.getEnumType().getValues().size() + 1);
        EnumValueDescriptor v = f.getEnumType().findValueByNumberCreatingIfUnknown(n);
        return v;
      }
      case MESSAGE:
        if (f.getMessageType().equals(Envelope.getDescriptor())) {
          return envelopeValue(depth);
        }
        if (f.getMessageType().equals(KeywordSummary.getDescriptor()) && r.nextBoolean()) {
          return in.summary();
        }
        Message.Builder child = parent.newBuilderForField(f);
        if (depth < 3) {
          randomize(child, depth + 1);
        }
        return child.build();
      default:
        throw new IllegalStateException("no values for " + f);
    }
  }

  private ByteString bytesFor(String field) {
    switch (field) {
      case "track_id":
        return r.nextInt(3) == 0 ? in.realTrack() : in.bytesAround(32);
      case "session_id":
      case "query_id":
      case "nonce":
        return in.bytesAround(16);
      case "ephemeral_public_key":
        return in.bytesAround(32);
      case "sender_peer_id":
      case "peer_id":
        return in.bytesAround(21);
      case "signer_public_key":
        return in.bytesAround(33);
      case "signature":
        return in.bytesAround(64);
      case "ip": {
        int p = r.nextInt(8);
        if (p < 3) {
          return ByteString.copyFrom(new byte[] {127, 0, 0, 1});
        } else if (p == 3) {
          return ByteString.copyFrom(new byte[4]); // the wildcard: "where you reached me"
        } else if (p == 4) {
          byte[] v6 = new byte[16];
          v6[15] = (byte) r.nextInt(2);
          return ByteString.copyFrom(v6);
        }
        return in.bytesAround(r.nextBoolean() ? 5 : 3);
      }
      default:
        return in.bytesAround(r.nextInt(64));
    }
  }

  private Envelope envelopeValue(int depth) {
    int p = r.nextInt(10);
    Identity who = in.identities().get(-1 - r.nextInt(64));
    if (p < 4) {
      return in.identities().recordOf(who);
    } else if (p < 7) {
      PeerRecord.Builder rec = in.record(who).toBuilder();
      if (depth < 3) {
        randomize(rec, depth + 1);
      }
      return in.signedRecord(who, rec.build());
    } else if (p == 7) {
      // A direct message where a record belongs: the other signing domain.
      return FuzzInputs.sign(who, FuzzInputs.MESSAGE_DOMAIN, in.stamp(in.sensibleBody(Method.GET_MANIFEST, who), who).build().toByteArray());
    } else if (p == 8) {
      return Envelope.getDefaultInstance();
    }
    Envelope.Builder e = Envelope.newBuilder();
    randomize(e, depth + 1);
    return e.build();
  }
}
