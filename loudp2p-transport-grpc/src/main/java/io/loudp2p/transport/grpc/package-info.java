/**
 * The loudp2p transports over gRPC/HTTP2: the control plane (signed envelopes) and chunk delivery
 * for peers that cannot use UDP.
 *
 * <p>Add this module to the class path and {@link java.util.ServiceLoader} finds
 * {@link io.loudp2p.transport.grpc.GrpcControlTransportProvider} and
 * {@link io.loudp2p.transport.grpc.GrpcDataTransportProvider}; {@link
 * io.loudp2p.transport.grpc.GrpcTransportOptions} holds the settings of both. Everything else is internal.
 */
@NullMarked
package io.loudp2p.transport.grpc;

import org.jspecify.annotations.NullMarked;
