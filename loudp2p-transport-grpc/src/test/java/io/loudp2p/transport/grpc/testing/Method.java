package io.loudp2p.transport.grpc.testing;

import io.grpc.MethodDescriptor;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The methods of {@code loudp2p.v1.Loudp2p}, with raw-bytes messages so that anything can be sent. */
public enum Method {
  EXCHANGE_PEERS(Loudp2pGrpc.getExchangePeersMethod(), Payload.BodyCase.PEER_EXCHANGE,
      Payload.BodyCase.PEER_EXCHANGE),
  SEARCH(Loudp2pGrpc.getSearchMethod(), Payload.BodyCase.SEARCH_QUERY, Payload.BodyCase.SEARCH_HITS),
  GET_MANIFEST(Loudp2pGrpc.getGetManifestMethod(), Payload.BodyCase.MANIFEST_REQUEST,
      Payload.BodyCase.MANIFEST_RESPONSE),
  OPEN_STREAM(Loudp2pGrpc.getOpenStreamMethod(), Payload.BodyCase.STREAM_OPEN,
      Payload.BodyCase.STREAM_ACCEPT),
  SHUFFLE(Loudp2pGrpc.getShuffleMethod(), Payload.BodyCase.SHUFFLE, Payload.BodyCase.SHUFFLE),
  ANNOUNCE_ROLE(Loudp2pGrpc.getAnnounceRoleMethod(), Payload.BodyCase.ROLE_CHANGE,
      Payload.BodyCase.ROLE_CHANGE),
  CHECK_REACHABILITY(Loudp2pGrpc.getCheckReachabilityMethod(), Payload.BodyCase.REACHABILITY_CHECK,
      Payload.BodyCase.REACHABILITY_RESULT),
  LIST_TRACKS(Loudp2pGrpc.getListTracksMethod(), Payload.BodyCase.LIST_TRACKS,
      Payload.BodyCase.TRACK_LIST),
  /** On the data endpoint a StreamAccept names, not the control endpoint. */
  FETCH_CHUNKS(Loudp2pGrpc.getFetchChunksMethod(), null, null);

  /** The methods served on the control endpoint, each carrying a signed envelope. */
  public static final List<Method> CONTROL = List.of(EXCHANGE_PEERS, SEARCH, GET_MANIFEST,
      OPEN_STREAM, SHUFFLE, ANNOUNCE_ROLE, CHECK_REACHABILITY, LIST_TRACKS);

  final MethodDescriptor<byte[], byte[]> raw;
  final Payload.@Nullable BodyCase request;
  final Payload.@Nullable BodyCase response;

  Method(MethodDescriptor<?, ?> generated, Payload.@Nullable BodyCase request,
      Payload.@Nullable BodyCase response) {
    this.raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(generated.getType())
        .setFullMethodName(generated.getFullMethodName())
        .setRequestMarshaller(Bytes.INSTANCE)
        .setResponseMarshaller(Bytes.INSTANCE)
        .build();
    this.request = request;
    this.response = response;
  }

  /** The gRPC name, as in the service definition. */
  public String grpcName() {
    return raw.getBareMethodName();
  }

  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    static final Bytes INSTANCE = new Bytes();

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
