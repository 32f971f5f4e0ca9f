/**
 * The service-provider interface that transport modules implement.
 *
 * <p>Transports are found at run time with {@link java.util.ServiceLoader}; a provider reports
 * whether it can run here and its priority, and never throws while being asked.
 */
@NullMarked
package io.loudp2p.spi;

import org.jspecify.annotations.NullMarked;
