package io.loudp2p.core.testing;

import io.loudp2p.spi.DataTransportDescriptor;
import io.loudp2p.spi.DataTransportProvider;

/**
 * A data transport provider of the test fixtures: always available, of the normal priority 5, with
 * a name and a descriptor fixed when it is made, so that a subclass says only how it creates a
 * transport.
 *
 * <p>Thread-safe if {@link #create} is.
 */
abstract class FixedDataTransportProvider extends DataTransportProvider {
  private final String name;
  private final DataTransportDescriptor descriptor;

  FixedDataTransportProvider(String name, DataTransportDescriptor descriptor) {
    this.name = name;
    this.descriptor = descriptor;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int priority() {
    return 5;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public DataTransportDescriptor descriptor() {
    return descriptor;
  }
}
