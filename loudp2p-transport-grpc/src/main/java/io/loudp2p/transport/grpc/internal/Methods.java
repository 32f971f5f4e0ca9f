package io.loudp2p.transport.grpc.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import org.jspecify.annotations.Nullable;

/**
 * The control methods of {@code loudp2p.v1.Loudp2p} with raw-bytes messages, and which message body
 * each one carries.
 */
enum Methods {
  EXCHANGE_PEERS(Loudp2pGrpc.getExchangePeersMethod(), Payload.BodyCase.PEER_EXCHANGE),
  SEARCH(Loudp2pGrpc.getSearchMethod(), Payload.BodyCase.SEARCH_QUERY),
  GET_MANIFEST(Loudp2pGrpc.getGetManifestMethod(), Payload.BodyCase.MANIFEST_REQUEST),
  OPEN_STREAM(Loudp2pGrpc.getOpenStreamMethod(), Payload.BodyCase.STREAM_OPEN),
  SHUFFLE(Loudp2pGrpc.getShuffleMethod(), Payload.BodyCase.SHUFFLE),
  ANNOUNCE_ROLE(Loudp2pGrpc.getAnnounceRoleMethod(), Payload.BodyCase.ROLE_CHANGE),
  CHECK_REACHABILITY(Loudp2pGrpc.getCheckReachabilityMethod(),
      Payload.BodyCase.REACHABILITY_CHECK);

  final MethodDescriptor<byte[], byte[]> raw;
  final Payload.BodyCase body;

  Methods(MethodDescriptor<?, ?> generated, Payload.BodyCase body) {
    this.raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(generated.getType())
        .setFullMethodName(generated.getFullMethodName())
        .setRequestMarshaller(RawBytesMarshaller.INSTANCE)
        .setResponseMarshaller(RawBytesMarshaller.INSTANCE)
        .build();
    this.body = body;
  }

  boolean streaming() {
    return raw.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
  }

  /**
   * The body an envelope claims to carry, read without checking the signature: only to route a
   * request and refuse one sent to the wrong method. The handler checks everything.
   */
  static Payload.@Nullable BodyCase peekBody(byte[] envelope) {
    try {
      return Payload.parseFrom(Envelope.parseFrom(envelope).getPayload()).getBodyCase();
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  /** The method for a request's body; requests that do not parse go to ExchangePeers, to fail there. */
  static Methods forRequest(byte[] envelope, boolean streaming) {
    Payload.BodyCase body = peekBody(envelope);
    for (Methods m : values()) {
      if (m.body == body && m.streaming() == streaming) {
        return m;
      }
    }
    return streaming ? SEARCH : EXCHANGE_PEERS;
  }
}
