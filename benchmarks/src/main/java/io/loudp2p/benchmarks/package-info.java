/**
 * JMH micro-benchmarks and end-to-end benchmarks of loudp2p, each measured beside a baseline in
 * the same run (the raw crypto primitive, {@code System.arraycopy}, SHA-256, a plain transfer).
 */
package io.loudp2p.benchmarks;
