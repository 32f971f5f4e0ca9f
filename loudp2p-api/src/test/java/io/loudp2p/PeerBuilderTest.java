package io.loudp2p;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.spi.TransportSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerBuilderTest {
  @Test
  void withoutAnImplementationOnTheClassPathTheErrorNamesTheArtifact() {
    assertThatThrownBy(() -> Peer.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("io.loudp2p:loudp2p-core");
  }

  @Test
  void configHoldsWhatWasSetAndDefaultsToLoopback() {
    Peer.Config config = Peer.builder()
        .identityFile(Path.of("id"))
        .bootstrap(new InetSocketAddress("127.0.0.1", 7070))
        .share(Path.of("music"))
        .cache(Path.of("cache"), 64L << 20)
        .role(Role.LIGHT)
        .callDeadline(Duration.ofSeconds(2))
        .config();

    assertThat(config.listen()).singleElement()
        .satisfies(a -> assertThat(a.getAddress().isLoopbackAddress()).isTrue());
    assertThat(config.role()).isEqualTo(Role.LIGHT);
    assertThat(config.cacheBytes()).isEqualTo(64L << 20);
    assertThat(config.plaintext()).as("TLS unless a test says otherwise").isFalse();
    assertThat(Peer.builder().plaintext(true).config().plaintext()).isTrue();
    assertThatThrownBy(() -> Peer.builder().cache(Path.of("c"), 1000)).hasMessageContaining("1 MiB");
    assertThatThrownBy(() -> Peer.builder().callDeadline(Duration.ZERO)).hasMessageContaining("positive");
  }

  private record Settings(String providerName, int value) implements TransportSettings {
    @Override
    public String artifact() {
      return "example:" + providerName;
    }
  }

  @Test
  void transportSettingsAreKeptOnePerProviderTheLastGivenWinning() {
    Peer.Config config = Peer.builder()
        .transport(new Settings("a", 1))
        .transport(new Settings("b", 2))
        .transport(new Settings("a", 3))
        .config();

    assertThat(config.transportSettings())
        .containsExactly(new Settings("a", 3), new Settings("b", 2));
    assertThat(Peer.builder().config().transportSettings()).isEmpty();
  }

  @Test
  void theListenerIsCarriedThroughTheConfigAndItsBuilder() {
    Peer.Listener listener = new Peer.Listener() {};
    Peer.Config config = Peer.builder().listener(listener).config();

    assertThat(Peer.builder().config().listener()).isSameAs(Peer.Listener.NONE);
    assertThat(config.listener()).isSameAs(listener);
    assertThat(config.toBuilder().config()).isEqualTo(config).hasSameHashCodeAs(config);
    assertThat(config.withListen(List.of(new InetSocketAddress("127.0.0.1", 9000))).listener())
        .isSameAs(listener);
    assertThat(config).isNotEqualTo(Peer.builder().config());
    assertThat(Peer.builder().config().toString()).contains("listener=Listener.NONE");
    assertThatThrownBy(() -> Peer.builder().listener(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aConfigIsMadeOnlyByTheBuilder() {
    assertThat(Peer.Config.class.getConstructors()).isEmpty();
    assertThat(Peer.Config.class.isRecord()).isFalse();
  }

  @Test
  void anEmptyListenListIsRefused() {
    Peer.Config config = Peer.builder().config();
    assertThatThrownBy(() -> config.withListen(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a peer needs at least one listen address");
    assertThatThrownBy(() -> config.withListen(Arrays.asList(
            new InetSocketAddress("127.0.0.1", 1), null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("listen address is null");
  }

  @Test
  void anUnresolvedListenAddressIsRefusedAtBuildTime() {
    Peer.Builder b = Peer.builder().listen(InetSocketAddress.createUnresolved("example.invalid", 1));
    assertThatThrownBy(b::config)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("listen address is not resolved");
    assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aConfigComesBackThroughItsBuilderAndChangesOnlyWhatIsAsked() {
    Peer.Config config = Peer.builder()
        .identityFile(Path.of("id"))
        .bootstrap(new InetSocketAddress("127.0.0.1", 7070))
        .share(Path.of("music"))
        .role(Role.LIGHT)
        .config();
    assertThat(config.toBuilder().config()).isEqualTo(config).hasSameHashCodeAs(config);
    assertThat(config.toBuilder().role(Role.FULL).config().role()).isEqualTo(Role.FULL);
    InetSocketAddress other = new InetSocketAddress("127.0.0.1", 9000);
    Peer.Config moved = config.withListen(List.of(other));
    assertThat(moved.listen()).containsExactly(other);
    assertThat(moved.shares()).isEqualTo(config.shares());
    assertThat(moved.toString()).contains("listen=[/127.0.0.1:9000]");
  }
}
