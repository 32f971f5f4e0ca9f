package io.loudp2p;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class TrackIdTest {
  private static final byte[] ROOT =
      HexFormat.of().parseHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

  @Test
  void roundTripsAndComparesByContent() {
    TrackId id = TrackId.fromBytes(ROOT);

    assertThat(TrackId.parse(id.toString())).isEqualTo(id).hasSameHashCodeAs(id);
    assertThat(id.bytes()).isEqualTo(ROOT).isNotSameAs(id.bytes());
    assertThat(id.matches(ROOT)).isTrue();
  }

  @Test
  void rejectsWrongLengthsAndCharacters() {
    assertThatThrownBy(() -> TrackId.fromBytes(new byte[31])).hasMessageContaining("got 31");
    assertThatThrownBy(() -> TrackId.parse("abc")).hasMessageContaining("expected 32");
    assertThatThrownBy(() -> TrackId.parse("I" + "1".repeat(40)))
        .hasMessageContaining("invalid Base58 character 'I'");
  }
}
