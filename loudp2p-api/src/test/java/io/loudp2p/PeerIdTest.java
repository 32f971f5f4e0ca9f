package io.loudp2p;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.internal.Base58;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PeerIdTest {
  private static final byte[] BYTES =
      HexFormat.of().parseHex("30" + "010966776006953d5567439e5e39f86a0d273bee");

  @Test
  void roundTripsThroughTextAndBytes() {
    PeerId id = PeerId.fromBytes(BYTES);

    assertThat(PeerId.parse(id.toString())).isEqualTo(id).hasSameHashCodeAs(id);
    assertThat(id.bytes()).isEqualTo(BYTES);
    assertThat(id.toString()).startsWith("L");
  }

  @Test
  void bytesAreACopy() {
    PeerId id = PeerId.fromBytes(BYTES);
    id.bytes()[5] ^= 1;
    byte[] input = BYTES.clone();
    PeerId other = PeerId.fromBytes(input);
    input[5] ^= 1;

    assertThat(id.bytes()).isEqualTo(BYTES);
    assertThat(other).isEqualTo(id);
  }

  @Test
  void parseNamesABadCharacter() {
    String text = PeerId.fromBytes(BYTES).toString();
    String withZero = text.substring(0, 4) + "0" + text.substring(5);

    assertThatThrownBy(() -> PeerId.parse(withZero))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid Base58 character '0' at position 4");
  }

  @Test
  void parseRejectsABadChecksum() {
    String text = PeerId.fromBytes(BYTES).toString();
    char last = text.charAt(text.length() - 1);
    String changed = text.substring(0, text.length() - 1) + (last == 'a' ? 'b' : 'a');

    assertThatThrownBy(() -> PeerId.parse(changed)).hasMessageContaining("checksum mismatch");
  }

  @Test
  void parseRejectsWrongVersionAndLength() {
    // Bitcoin's own address from its wiki: a valid Base58Check string with version 0.
    assertThatThrownBy(() -> PeerId.parse("16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvM"))
        .hasMessageContaining("version byte 0x00, expected 0x30");
    String shortOne = Base58.encodeChecked(new byte[] {0x30, 1, 2, 3});
    assertThatThrownBy(() -> PeerId.parse(shortOne)).hasMessageContaining("decodes to 4 bytes, expected 21");
    assertThatThrownBy(() -> PeerId.parse("")).hasMessageContaining("too short");
  }

  @Test
  void base58MatchesBitcoinEncodingOfLeadingZeros() {
    assertThat(Base58.encode(new byte[] {0, 0, 1})).isEqualTo("112");
    assertThat(Base58.decode("112")).containsExactly(0, 0, 1);
    assertThat(Base58.encode(HexFormat.of().parseHex("516b6fcd0f"))).isEqualTo("ABnLTmg");
    assertThat(Base58.encode("Hello World!".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
        .isEqualTo("2NEpo7TZRRrLZSi2U");
  }
}
