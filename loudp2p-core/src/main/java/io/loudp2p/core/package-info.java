/**
 * The loudp2p implementation: identity, wire protocol, catalog, content, scheduler, sessions and
 * discovery.
 *
 * <p>Applications use the types of {@code loudp2p-api}; this module provides them through
 * {@link java.util.ServiceLoader}. Packages whose name contains {@code internal} carry no
 * compatibility promise, and nor do those whose {@code package-info} says they are internal
 * ({@code wire}, {@code network}, {@code content}, {@code catalog}): they serve the SDK's own
 * modules, and their signatures may name generated protobuf types.
 */
@NullMarked
package io.loudp2p.core;

import org.jspecify.annotations.NullMarked;
