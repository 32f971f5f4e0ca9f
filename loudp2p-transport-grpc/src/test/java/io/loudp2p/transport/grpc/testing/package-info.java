/**
 * Test fixtures shipped in the gRPC transport's test-jar: a seeded fuzzer that attacks a running
 * peer over real gRPC and counts the status of every answer ({@link
 * io.loudp2p.transport.grpc.testing.ControlPlaneFuzzer}), shared by the transport's tests and the
 * benchmarks module's longer run.
 */
@NullMarked
package io.loudp2p.transport.grpc.testing;

import org.jspecify.annotations.NullMarked;
