package io.loudp2p.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.PeerId;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PeerIdsTest {
  private static final HexFormat HEX = HexFormat.of();

  // The worked example of the Bitcoin wiki page "Technical background of version 1 Bitcoin addresses".
  private static final String WIKI_PRIVATE_KEY =
      "18e14a7b6a307f426a94f8114701e7c8e774e7f9a47e2c2035db29a206321725";
  private static final String WIKI_UNCOMPRESSED_KEY =
      "0450863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352"
          + "2cd470243453a299fa9e77237716103abc11a1df38855ed6f2ee187e9c582ba6";
  private static final String WIKI_ADDRESS = "16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvM";

  @Test
  void reproducesBitcoinWikiAddressWithVersionZero() {
    assertThat(PeerIds.fromPublicKey(0x00, HEX.parseHex(WIKI_UNCOMPRESSED_KEY)))
        .isEqualTo(WIKI_ADDRESS);
  }

  @Test
  void privateKeyOfWikiExampleGivesItsPublicKey() {
    Identity identity = Identity.fromPrivateKey(HEX.parseHex(WIKI_PRIVATE_KEY));

    // The compressed form of the wiki's key: prefix 02 because y (…2ba6) is even.
    assertThat(HEX.formatHex(identity.publicKey()))
        .isEqualTo("02" + WIKI_UNCOMPRESSED_KEY.substring(2, 66));
    // Bitcoin's address of the compressed key, as every wallet computes it.
    assertThat(PeerIds.fromPublicKey(0x00, identity.publicKey()))
        .isEqualTo("1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs");
  }

  @Test
  void loudp2pPeerIdUsesItsVersionByteOverTheCompressedKey() {
    Identity identity = Identity.fromPrivateKey(HEX.parseHex(WIKI_PRIVATE_KEY));

    PeerId id = PeerIds.of(identity.publicKey());

    assertThat(id.bytes()[0]).isEqualTo((byte) PeerId.VERSION);
    assertThat(id.toString())
        .isEqualTo(PeerIds.fromPublicKey(PeerId.VERSION, identity.publicKey()))
        .startsWith("L");
    assertThat(PeerId.parse(id.toString())).isEqualTo(id);
  }

  @Test
  void refusesKeysThatAreNotCurvePoints() {
    byte[] offCurve = new byte[33];
    offCurve[0] = 0x02;
    offCurve[32] = 5;
    assertThatThrownBy(() -> PeerIds.fromPublicKey(0, offCurve))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a secp256k1 public key");
    assertThatThrownBy(() -> PeerIds.of(HEX.parseHex(WIKI_UNCOMPRESSED_KEY)))
        .hasMessageContaining("33 bytes");
    assertThatThrownBy(() -> PeerIds.fromPublicKey(256, HEX.parseHex(WIKI_UNCOMPRESSED_KEY)))
        .hasMessageContaining("version");
  }
}
