package io.loudp2p.core.testing;

import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.ControlTransportProvider;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportDescriptor;
import io.loudp2p.spi.DataTransportProvider;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A transport registry whose control and data providers hand out one {@link InMemoryTransport},
 * so that a peer built on it lives on an {@link InMemoryNetwork} at that transport's host address.
 */
public final class InMemoryProviders {
  /** The providers' name. */
  public static final String NAME = "in-memory";

  /**
   * How the in-memory data transport appears in stream messages: as gRPC chunk streams, the way
   * peers on real sockets see them.
   */
  public static final DataTransportDescriptor DESCRIPTOR =
      DataTransportDescriptor.builder(TransportKind.TRANSPORT_KIND_GRPC_VALUE)
          .preference(3).fallback().build();

  private InMemoryProviders() {}

  /** A registry of exactly one control and one data provider, both giving {@code transport}. */
  public static TransportRegistry registry(InMemoryTransport transport) {
    return TransportRegistry.of(List.of(new Control(transport)), List.of(new Data(transport)));
  }

  /**
   * A registry whose control provider gives {@code control} (a test's wrapper of {@code
   * transport}, say) and whose data provider gives {@code transport}.
   */
  public static TransportRegistry registry(ControlTransport control, InMemoryTransport transport) {
    return TransportRegistry.of(List.of(new Control(control)), List.of(new Data(transport)));
  }

  /**
   * A registry of the control and data providers of {@code transport} and the data providers
   * {@code more}.
   */
  public static TransportRegistry registry(InMemoryTransport transport,
      DataTransportProvider... more) {
    List<DataTransportProvider> data = new ArrayList<>();
    data.add(new Data(transport));
    data.addAll(Arrays.asList(more));
    return TransportRegistry.of(List.of(new Control(transport)), data);
  }

  private static final class Control extends ControlTransportProvider {
    private final ControlTransport transport;

    Control(ControlTransport transport) {
      this.transport = transport;
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
      return NAME;
    }

    @Override
    public ControlTransport create(TransportOptions options) {
      return transport;
    }
  }

  private static final class Data extends FixedDataTransportProvider {
    private final InMemoryTransport transport;

    Data(InMemoryTransport transport) {
      super(NAME, DESCRIPTOR);
      this.transport = transport;
    }

    @Override
    public DataTransport create(TransportOptions options) {
      return transport;
    }
  }
}
