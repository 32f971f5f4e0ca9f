/**
 * Internals of the local catalog: metadata probing and format checks, the inverted search index,
 * the catalog file format and the streaming hasher.
 *
 * <p>No compatibility promise: these types change with the catalog.
 */
@NullMarked
package io.loudp2p.core.catalog.internal;

import org.jspecify.annotations.NullMarked;
