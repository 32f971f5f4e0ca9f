package io.loudp2p.transport.grpc.internal;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Carries a message as the bytes it was serialised to: a signed envelope travels exactly as it
 * was signed and reaches the handler exactly as it arrived, without a parse and re-serialise.
 */
final class RawBytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
  static final RawBytesMarshaller INSTANCE = new RawBytesMarshaller();

  private RawBytesMarshaller() {}

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
