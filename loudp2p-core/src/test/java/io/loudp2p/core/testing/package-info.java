/**
 * Test fixtures shipped in loudp2p-core's test-jar: an in-memory network that implements both
 * transport SPIs without sockets, the conformance tests every data and control transport passes,
 * and the one fake clock of the tests.
 *
 * <p>{@link io.loudp2p.core.testing.FakeClock} is the only clock a test moves: it serves as a
 * {@link java.time.Clock}, as a nanosecond source and, through the network, as the time of every
 * {@link io.loudp2p.core.testing.VirtualTimer}.
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
 * listener streaming from several sources through a real stream session, whose agent it drives
 * by hand on a {@link io.loudp2p.core.testing.FakeClock}.
 */
@NullMarked
package io.loudp2p.core.testing;

import org.jspecify.annotations.NullMarked;
