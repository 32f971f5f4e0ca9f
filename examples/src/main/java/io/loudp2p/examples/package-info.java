/**
 * Runnable programs built on loudp2p: the {@code loudp2p} command line and the local demo.
 */
@NullMarked
package io.loudp2p.examples;

import org.jspecify.annotations.NullMarked;
