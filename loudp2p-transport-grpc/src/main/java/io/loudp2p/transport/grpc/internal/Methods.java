package io.loudp2p.transport.grpc.internal;

import io.grpc.MethodDescriptor;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.util.EnumMap;
import java.util.Map;

/**
 * The control methods of {@code loudp2p.v1.Loudp2p} with raw-bytes messages, one per {@link
 * ControlMethod}: a request goes to the method its caller named and nothing in its bytes is read.
 */
final class Methods {
  private static final Map<ControlMethod, MethodDescriptor<byte[], byte[]>> RAW =
      new EnumMap<>(ControlMethod.class);

  static {
    for (MethodDescriptor<?, ?> generated : new MethodDescriptor<?, ?>[] {
        Loudp2pGrpc.getExchangePeersMethod(), Loudp2pGrpc.getSearchMethod(),
        Loudp2pGrpc.getGetManifestMethod(), Loudp2pGrpc.getOpenStreamMethod(),
        Loudp2pGrpc.getShuffleMethod(), Loudp2pGrpc.getAnnounceRoleMethod(),
        Loudp2pGrpc.getCheckReachabilityMethod(), Loudp2pGrpc.getListTracksMethod()}) {
      ControlMethod method = forName(generated.getBareMethodName());
      boolean streaming = generated.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
      if (streaming != method.streaming()) {
        throw new AssertionError(method + " streams in the service definition: " + streaming);
      }
      RAW.put(method, MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(generated.getType())
          .setFullMethodName(generated.getFullMethodName())
          .setRequestMarshaller(RawBytesMarshaller.INSTANCE)
          .setResponseMarshaller(RawBytesMarshaller.INSTANCE)
          .build());
    }
    if (RAW.size() != ControlMethod.values().length) {
      throw new AssertionError("the service lacks a control method: " + RAW.keySet());
    }
  }

  private Methods() {}

  /** The gRPC method, with raw-bytes messages, that carries {@code method}. */
  static MethodDescriptor<byte[], byte[]> raw(ControlMethod method) {
    return RAW.get(method);
  }

  private static ControlMethod forName(String wireName) {
    for (ControlMethod m : ControlMethod.values()) {
      if (m.wireName().equals(wireName)) {
        return m;
      }
    }
    throw new AssertionError("no control method named " + wireName);
  }
}
