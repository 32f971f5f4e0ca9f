/**
 * Small helpers shared by the core's packages.
 *
 * <p>Internal: no compatibility promise.
 */
@NullMarked
package io.loudp2p.core.internal;

import org.jspecify.annotations.NullMarked;
