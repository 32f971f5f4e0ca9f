package io.loudp2p.spi;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The transport providers found on the class path, ordered by preference.
 *
 * <p>Providers are loaded with {@link ServiceLoader}. One that fails to load, or throws from
 * {@code isAvailable()}, {@code priority()}, {@code name()} or (a data provider) {@code
 * descriptor()}, is skipped (and logged through {@link System.Logger}, as {@code
 * io.loudp2p.transport}), never breaking discovery of the others; so is one that is not available
 * or whose priority is outside 0..10. The rest are ordered by descending priority, then by
 * discovery order.
 *
 * <p>Immutable and thread-safe once built. {@link #defaultRegistry()} loads once, lazily.
 */
public final class TransportRegistry {
  /** The artifact that brings the default control transport (and a data fallback). */
  public static final String CONTROL_ARTIFACT = "io.loudp2p:loudp2p-transport-grpc";

  /** The artifact that brings the preferred data transport. */
  public static final String DATA_ARTIFACT = "io.loudp2p:loudp2p-transport-udp";

  /** The lowest priority a provider may report. */
  public static final int MIN_PRIORITY = 0;

  /** The highest priority a provider may report. */
  public static final int MAX_PRIORITY = 10;

  /**
   * The name the core logs its choice of transports under (the API depends on the JDK alone, so
   * this is a {@link System.Logger}; slf4j-jdk-platform-logging hands its lines to slf4j).
   */
  private static final System.Logger LOG = System.getLogger("io.loudp2p.transport");

  private final List<ControlTransportProvider> controlProviders;
  private final List<DataTransportProvider> dataProviders;

  private TransportRegistry(
      List<ControlTransportProvider> controlProviders, List<DataTransportProvider> dataProviders) {
    this.controlProviders = List.copyOf(controlProviders);
    this.dataProviders = List.copyOf(dataProviders);
  }

  private static final class DefaultHolder {
    static final TransportRegistry INSTANCE =
        load(TransportRegistry.class.getClassLoader());
  }

  /** The registry of the class loader that loaded this class, loaded on first use. */
  public static TransportRegistry defaultRegistry() {
    return DefaultHolder.INSTANCE;
  }

  /** Loads the providers visible to {@code classLoader}. */
  public static TransportRegistry load(ClassLoader classLoader) {
    Objects.requireNonNull(classLoader, "classLoader");
    return new TransportRegistry(
        usable(
            discover(ServiceLoader.load(ControlTransportProvider.class, classLoader).iterator()),
            ControlTransportProvider::isAvailable,
            ControlTransportProvider::priority,
            ControlTransportProvider::name),
        usable(
            discover(ServiceLoader.load(DataTransportProvider.class, classLoader).iterator()),
            TransportRegistry::usableData,
            DataTransportProvider::priority,
            DataTransportProvider::name));
  }

  /** A registry of exactly these providers (filtered and ordered as discovered ones are). */
  public static TransportRegistry of(
      List<? extends ControlTransportProvider> controlProviders,
      List<? extends DataTransportProvider> dataProviders) {
    return new TransportRegistry(
        usable(
            controlProviders,
            ControlTransportProvider::isAvailable,
            ControlTransportProvider::priority,
            ControlTransportProvider::name),
        usable(
            dataProviders,
            TransportRegistry::usableData,
            DataTransportProvider::priority,
            DataTransportProvider::name));
  }

  /** The usable control providers, most preferred first. */
  public List<ControlTransportProvider> controlProviders() {
    return controlProviders;
  }

  /** The usable data providers, most preferred first. */
  public List<DataTransportProvider> dataProviders() {
    return dataProviders;
  }

  /**
   * The most preferred usable control provider.
   *
   * @throws ProviderNotFoundException naming {@link #CONTROL_ARTIFACT} when there is none
   */
  public ControlTransportProvider controlProvider() {
    if (controlProviders.isEmpty()) {
      throw new ProviderNotFoundException(
          "No usable control transport provider found. Add the dependency "
              + CONTROL_ARTIFACT
              + " to the class path (or register an io.loudp2p.spi.ControlTransportProvider"
              + " with ServiceLoader).");
    }
    return controlProviders.get(0);
  }

  /**
   * The usable control provider called {@code name}.
   *
   * @throws ProviderNotFoundException naming the known providers and {@link #CONTROL_ARTIFACT}
   */
  public ControlTransportProvider controlProvider(String name) {
    return byName(controlProviders, ControlTransportProvider::name, name, "control", CONTROL_ARTIFACT);
  }

  /**
   * The most preferred usable data provider.
   *
   * @throws ProviderNotFoundException naming {@link #DATA_ARTIFACT} and {@link #CONTROL_ARTIFACT}
   *     when there is none
   */
  public DataTransportProvider dataProvider() {
    if (dataProviders.isEmpty()) {
      throw new ProviderNotFoundException(
          "No usable data transport provider found. Add the dependency "
              + DATA_ARTIFACT
              + " (chunks over UDP) or "
              + CONTROL_ARTIFACT
              + " (chunks over gRPC) to the class path (or register an"
              + " io.loudp2p.spi.DataTransportProvider with ServiceLoader).");
    }
    return dataProviders.get(0);
  }

  /**
   * The usable data provider called {@code name}.
   *
   * @throws ProviderNotFoundException naming the known providers and {@link #DATA_ARTIFACT}
   */
  public DataTransportProvider dataProvider(String name) {
    return byName(dataProviders, DataTransportProvider::name, name, "data", DATA_ARTIFACT);
  }

  private static <P> P byName(
      List<P> providers, Function<P, String> nameOf, String name, String kind, String artifact) {
    List<String> known = new ArrayList<>();
    for (P p : providers) {
      String n = nameOf.apply(p);
      if (n.equals(name)) {
        return p;
      }
      known.add(n);
    }
    throw new ProviderNotFoundException(
        "No usable " + kind + " transport provider named \"" + name + "\"; usable ones: " + known
            + ". Is its artifact (for example " + artifact + ") on the class path?");
  }

  /** Available, and describes itself; throws when the description is missing. */
  private static boolean usableData(DataTransportProvider p) {
    Objects.requireNonNull(p.descriptor(), "descriptor()");
    return p.isAvailable();
  }

  private static <P> List<P> discover(Iterator<P> it) {
    List<P> found = new ArrayList<>();
    while (true) {
      try {
        if (!it.hasNext()) {
          return found;
        }
        found.add(it.next());
      } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
        // ServiceLoader's iterator moves past a provider that fails to load or instantiate.
        LOG.log(Level.WARNING, "skipping a transport provider that failed to load", e);
      }
    }
  }

  private static <P> List<P> usable(
      List<? extends P> candidates,
      Predicate<P> isAvailable,
      ToIntFunction<P> priorityOf,
      Function<P, String> nameOf) {
    record Ranked<P>(P provider, int priority, int order) {}
    List<Ranked<P>> ranked = new ArrayList<>();
    int order = 0;
    for (P p : candidates) {
      order++;
      try {
        String name = Objects.requireNonNull(nameOf.apply(p), "name()");
        if (!isAvailable.test(p)) {
          LOG.log(Level.DEBUG, "transport provider {0} is not available here", name);
          continue;
        }
        int priority = priorityOf.applyAsInt(p);
        if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
          LOG.log(
              Level.WARNING,
              "skipping transport provider {0}: priority {1} outside {2}..{3}",
              name, priority, MIN_PRIORITY, MAX_PRIORITY);
          continue;
        }
        ranked.add(new Ranked<>(p, priority, order));
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.WARNING, "skipping transport provider " + p.getClass().getName()
            + " that threw while being asked", e);
      }
    }
    ranked.sort(
        Comparator.<Ranked<P>>comparingInt(r -> -r.priority()).thenComparingInt(Ranked::order));
    List<P> result = new ArrayList<>(ranked.size());
    for (Ranked<P> r : ranked) {
      result.add(r.provider());
    }
    return result;
  }
}
