package io.loudp2p.spi;

/** Providers registered in this module's test resources to exercise {@link TransportRegistry}. */
final class TestProviders {
  private TestProviders() {}

  /** A control provider with a given name, priority and availability. */
  static class Control extends ControlTransportProvider {
    private final String name;
    private final int priority;
    private final boolean available;

    Control(String name, int priority, boolean available) {
      this.name = name;
      this.priority = priority;
      this.available = available;
    }

    @Override
    public boolean isAvailable() {
      return available;
    }

    @Override
    public int priority() {
      return priority;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public ControlTransport create(TransportOptions options) {
      throw new UnsupportedOperationException("registry tests never create transports");
    }
  }

  /** A data provider with a given name, priority and availability. */
  static class Data extends DataTransportProvider {
    private final String name;
    private final int priority;
    private final boolean available;

    Data(String name, int priority, boolean available) {
      this.name = name;
      this.priority = priority;
      this.available = available;
    }

    @Override
    public boolean isAvailable() {
      return available;
    }

    @Override
    public int priority() {
      return priority;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public DataTransportDescriptor descriptor() {
      return DataTransportDescriptor.builder(1).build();
    }

    @Override
    public DataTransport create(TransportOptions options) {
      throw new UnsupportedOperationException("registry tests never create transports");
    }
  }

  /** Preferred, available. */
  public static final class HighControl extends Control {
    public HighControl() {
      super("high", 8, true);
    }
  }

  /** Available but less preferred. */
  public static final class LowControl extends Control {
    public LowControl() {
      super("low", 2, true);
    }
  }

  /** Would be preferred, but cannot run here. */
  public static final class UnavailableControl extends Control {
    public UnavailableControl() {
      super("unavailable", 10, false);
    }
  }

  /** Fails in its constructor, so ServiceLoader cannot make it. */
  public static final class BrokenConstructorControl extends Control {
    public BrokenConstructorControl() {
      super("broken", 9, true);
      throw new IllegalStateException("boom in constructor");
    }
  }

  /** Throws from isAvailable(), which a provider must never do. */
  public static final class ThrowingControl extends Control {
    public ThrowingControl() {
      super("throwing", 9, true);
    }

    @Override
    public boolean isAvailable() {
      throw new IllegalStateException("boom in isAvailable");
    }
  }

  /** The only data provider, available. */
  public static final class OnlyData extends Data {
    public OnlyData() {
      super("only-data", 5, true);
    }
  }
}
