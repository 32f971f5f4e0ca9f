/**
 * Test fixtures shipped in loudp2p-core's test-jar: an in-memory network that implements both
 * transport SPIs without sockets, and the conformance tests every data and control transport
 * passes.
 *
 * <p>{@link io.loudp2p.core.testing.InMemoryNetwork} is deterministic: its impairments (drop,
 * duplicate, reorder) draw from a seeded random source, its deadlines run on a clock the test
 * advances, and its deliveries run on the thread that caused them or when the test pumps them.
 * {@link io.loudp2p.core.testing.AbstractDataTransportTest} and {@link
 * io.loudp2p.core.testing.AbstractControlTransportTest} are extended by each transport's tests with
 * factories for that transport, the in-memory one's included, so that what a simulation over it
 * shows holds over the transports of real networks too.
 *
 * <p>{@link io.loudp2p.core.testing.SimulatedNetwork} is a seeded discrete-event simulation of a
 * listener streaming from several sources through a chunk scheduler, on a {@link
 * io.loudp2p.core.testing.SimClock}.
 */
@NullMarked
package io.loudp2p.core.testing;

import org.jspecify.annotations.NullMarked;
