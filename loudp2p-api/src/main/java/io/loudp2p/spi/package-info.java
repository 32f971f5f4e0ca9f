/**
 * The service-provider interface that transport modules implement.
 *
 * <p>Transports are found at run time with {@link java.util.ServiceLoader}; a provider reports
 * whether it can run here and its priority, and never throws while being asked. A data provider
 * also describes how its transport appears in the signed stream messages ({@link
 * io.loudp2p.spi.DataTransportDescriptor}), which is all the core needs to offer and accept it.
 *
 * <p>Each transport module has one typed {@link io.loudp2p.spi.TransportSettings} class that an
 * application passes to {@code Peer.Builder.transport(...)}; the peer hands it to the providers it
 * names through {@link io.loudp2p.spi.TransportOptions}. Their builders check each value with
 * {@link io.loudp2p.spi.SettingChecks}, so every transport refuses a setting out of range alike.
 */
@NullMarked
package io.loudp2p.spi;

import org.jspecify.annotations.NullMarked;
