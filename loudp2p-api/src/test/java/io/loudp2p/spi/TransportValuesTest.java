package io.loudp2p.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TransportValuesTest {
  @Test
  void sessionIdIsAValueWithDefensiveCopies() {
    byte[] raw = new byte[DataSessionId.LENGTH];
    raw[0] = (byte) 0xab;
    DataSessionId id = DataSessionId.fromBytes(raw);
    raw[0] = 0;
    assertThat(id.bytes()[0]).isEqualTo((byte) 0xab);
    id.bytes()[1] = 7;
    assertThat(id.bytes()[1]).isZero();
    byte[] same = new byte[DataSessionId.LENGTH];
    same[0] = (byte) 0xab;
    assertThat(id).isEqualTo(DataSessionId.fromBytes(same)).hasSameHashCodeAs(DataSessionId.fromBytes(same));
    assertThat(id.toString()).isEqualTo("ab000000000000000000000000000000");
  }

  @Test
  void sessionIdRejectsTheWrongLength() {
    assertThatThrownBy(() -> DataSessionId.fromBytes(new byte[DataSessionId.LENGTH + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 bytes, got 17");
  }

  /** Settings of a transport that is not the one reading them. */
  private record Other(String providerName, String artifact) implements TransportSettings {}

  /** The settings a test transport reads. */
  private record Mine(int value) implements TransportSettings {
    @Override
    public String providerName() {
      return "mine";
    }

    @Override
    public String artifact() {
      return "example:mine";
    }
  }

  @Test
  void optionsHandTheProviderItsTypedSettings() {
    assertThat(TransportOptions.defaults().settings()).isNull();
    assertThat(TransportOptions.defaults().settings(Mine.class)).isNull();
    TransportOptions options = TransportOptions.builder().settings(new Mine(7)).build();
    assertThat(options.settings(Mine.class)).isEqualTo(new Mine(7));
  }

  @Test
  void settingsOfAnotherTypeAreRefusedNamingBothTypes() {
    TransportOptions options =
        TransportOptions.builder().settings(new Other("other", "example:other")).build();
    assertThatThrownBy(() -> options.settings(Mine.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Other.class.getName())
        .hasMessageContaining(Mine.class.getName());
  }

  @Test
  void aDescriptorChecksWhatTheWireAllows() {
    DataTransportDescriptor udp = DataTransportDescriptor.builder(2).preference(7).sessionKeys()
        .build();
    assertThat(udp.acceptEndpoint()).isEqualTo(DataTransportDescriptor.AcceptEndpoint.SESSION);
    assertThat(udp.sessionKeys()).isTrue();
    assertThat(udp.fallback()).isFalse();
    assertThat(udp).isEqualTo(DataTransportDescriptor.builder(2).preference(7).sessionKeys()
        .build());
    assertThatThrownBy(() -> DataTransportDescriptor.builder(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unspecified");
    assertThatThrownBy(() -> DataTransportDescriptor.builder(1).preference(11))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0..10");
    assertThatThrownBy(() -> DataTransportDescriptor.builder(3).sessionKeys().fallback().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("fallback");
  }

  @Test
  void controlExceptionCarriesItsCode() {
    ControlException e = new ControlException(ControlErrorCode.NOT_FOUND, "unknown track");
    assertThat(e.code()).isEqualTo(ControlErrorCode.NOT_FOUND);
    assertThat(e).hasMessage("NOT_FOUND: unknown track");
  }
}
