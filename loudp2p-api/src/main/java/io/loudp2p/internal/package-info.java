/**
 * Helpers the API's value types share with the implementation modules.
 *
 * <p>Internal: nothing here carries a compatibility promise, and applications should not use it.
 */
@NullMarked
package io.loudp2p.internal;

import org.jspecify.annotations.NullMarked;
