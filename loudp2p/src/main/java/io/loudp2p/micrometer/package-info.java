/**
 * Binds a peer's metrics to a Micrometer {@code MeterRegistry}. Needs {@code
 * io.micrometer:micrometer-core} on the class path, which the {@code io.loudp2p:loudp2p} artifact
 * declares optional: an app that uses this package brings its own.
 */
@NullMarked
package io.loudp2p.micrometer;

import org.jspecify.annotations.NullMarked;
