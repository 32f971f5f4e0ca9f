/**
 * The gRPC transports' implementation: method descriptors over raw envelope bytes, channel and
 * server management, per-peer call limits, and the chunk streams.
 *
 * <p>Internal: no compatibility promise.
 */
@NullMarked
package io.loudp2p.transport.grpc.internal;

import org.jspecify.annotations.NullMarked;
