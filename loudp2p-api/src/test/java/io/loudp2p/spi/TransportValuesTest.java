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

  @Test
  void optionsBoundTheMessageSize() {
    assertThat(TransportOptions.defaults().maxMessageBytes())
        .isEqualTo(TransportOptions.DEFAULT_MAX_MESSAGE_BYTES);
    assertThat(
            TransportOptions.builder()
                .maxMessageBytes(TransportOptions.MAX_MAX_MESSAGE_BYTES)
                .build()
                .maxMessageBytes())
        .isEqualTo(TransportOptions.MAX_MAX_MESSAGE_BYTES);
    assertThatThrownBy(
            () -> TransportOptions.builder().maxMessageBytes(TransportOptions.MAX_MAX_MESSAGE_BYTES + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxMessageBytes");
    assertThatThrownBy(() -> TransportOptions.builder().maxMessageBytes(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void positiveIntPropertiesAreCheckedAndNamed() {
    TransportOptions o = TransportOptions.builder().property("a", " 42 ").property("b", "x")
        .property("c", "0").build();
    assertThat(o.positiveIntProperty("a", 7)).isEqualTo(42);
    assertThat(o.positiveIntProperty("missing", 7)).isEqualTo(7);
    assertThatThrownBy(() -> o.positiveIntProperty("b", 7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("transport property b must be a whole number: x");
    assertThatThrownBy(() -> o.positiveIntProperty("c", 7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("transport property c must be positive: 0");
  }

  @Test
  void optionsCarryTransportProperties() {
    TransportOptions options = TransportOptions.builder().property("udp.mtu", "1280").build();
    assertThat(options.property("udp.mtu", "1200")).isEqualTo("1280");
    assertThat(options.property("absent", "fallback")).isEqualTo("fallback");
    assertThatThrownBy(() -> options.properties().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void controlExceptionCarriesItsCode() {
    ControlException e = new ControlException(ControlErrorCode.NOT_FOUND, "unknown track");
    assertThat(e.code()).isEqualTo(ControlErrorCode.NOT_FOUND);
    assertThat(e).hasMessage("NOT_FOUND: unknown track");
  }
}
