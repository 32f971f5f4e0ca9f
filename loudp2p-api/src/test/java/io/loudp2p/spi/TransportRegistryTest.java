package io.loudp2p.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransportRegistryTest {
  private final TransportRegistry loaded =
      TransportRegistry.load(TransportRegistryTest.class.getClassLoader());

  @Test
  void discoversProvidersAndSkipsBrokenUnavailableAndThrowingOnes() {
    assertThat(loaded.controlProviders())
        .extracting(ControlTransportProvider::name)
        .containsExactly("high", "low");
  }

  @Test
  void picksTheAvailableProviderWithTheHighestPriority() {
    assertThat(loaded.controlProvider().name()).isEqualTo("high");
    assertThat(loaded.dataProvider().name()).isEqualTo("only-data");
  }

  @Test
  void picksAProviderByName() {
    assertThat(loaded.controlProvider("low").name()).isEqualTo("low");
    assertThatThrownBy(() -> loaded.controlProvider("unavailable"))
        .isInstanceOf(ProviderNotFoundException.class)
        .hasMessageContaining("\"unavailable\"")
        .hasMessageContaining("[high, low]")
        .hasMessageContaining(TransportRegistry.CONTROL_ARTIFACT);
  }

  @Test
  void keepsDiscoveryOrderBetweenEqualPriorities() {
    TransportRegistry registry =
        TransportRegistry.of(
            List.of(
                new TestProviders.Control("first", 5, true),
                new TestProviders.Control("second", 5, true),
                new TestProviders.Control("best", 6, true)),
            List.of());
    assertThat(registry.controlProviders())
        .extracting(ControlTransportProvider::name)
        .containsExactly("best", "first", "second");
  }

  @Test
  void skipsProvidersWithPriorityOutsideTheRange() {
    TransportRegistry registry =
        TransportRegistry.of(
            List.of(
                new TestProviders.Control("too-high", TransportRegistry.MAX_PRIORITY + 1, true),
                new TestProviders.Control("negative", TransportRegistry.MIN_PRIORITY - 1, true),
                new TestProviders.Control("edge", TransportRegistry.MAX_PRIORITY, true)),
            List.of());
    assertThat(registry.controlProviders())
        .extracting(ControlTransportProvider::name)
        .containsExactly("edge");
  }

  @Test
  void namesTheGrpcArtifactWhenNoControlProviderIsFound() {
    TransportRegistry empty =
        TransportRegistry.of(List.of(new TestProviders.UnavailableControl()), List.of());
    assertThatThrownBy(empty::controlProvider)
        .isInstanceOf(ProviderNotFoundException.class)
        .hasMessageContaining("io.loudp2p:loudp2p-transport-grpc");
  }

  @Test
  void namesTheTransportArtifactsWhenNoDataProviderIsFound() {
    TransportRegistry empty = TransportRegistry.of(List.of(), List.of());
    assertThatThrownBy(empty::dataProvider)
        .isInstanceOf(ProviderNotFoundException.class)
        .hasMessageContaining("io.loudp2p:loudp2p-transport-udp")
        .hasMessageContaining("io.loudp2p:loudp2p-transport-grpc");
  }

  @Test
  void defaultRegistryIsLoadedOnce() {
    assertThat(TransportRegistry.defaultRegistry()).isSameAs(TransportRegistry.defaultRegistry());
  }
}
