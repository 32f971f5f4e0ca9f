package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;

class SessionCryptoTest {
  private final byte[] sessionId = new byte[16];

  @Test
  void bothSidesDeriveTheSameKeysAndOpenEachOthersDatagrams() {
    X25519PrivateKeyParameters r = SessionCrypto.newPrivateKey();
    X25519PrivateKeyParameters s = SessionCrypto.newPrivateKey();
    byte[] rPub = SessionCrypto.publicKey(r);
    byte[] sPub = SessionCrypto.publicKey(s);
    byte[] atReceiver = SessionCrypto.deriveKeys(r, sPub, sessionId, rPub, sPub);
    byte[] atSource = SessionCrypto.deriveKeys(s, rPub, sessionId, rPub, sPub);
    assertThat(atReceiver).hasSize(64).isEqualTo(atSource);

    SessionCrypto receiver = SessionCrypto.forReceiver(atReceiver);
    SessionCrypto source = SessionCrypto.forSource(atSource);
    ByteBuffer dg = ByteBuffer.allocate(Wire.MAX_DATAGRAM);
    Wire.writeHeader(dg, Wire.TO_SOURCE, sessionId, 42);
    receiver.seal(42, ByteBuffer.wrap(new byte[] {Wire.PING}), dg);
    assertThat(dg.remaining()).isEqualTo(Wire.HEADER_LENGTH + 1 + Wire.TAG_LENGTH);
    ByteBuffer plain = ByteBuffer.allocate(Wire.MAX_DATAGRAM);
    assertThat(source.open(42, dg, plain)).isTrue();
    assertThat(plain.get()).isEqualTo(Wire.PING);

    // The header is authenticated: another packet number does not open.
    dg.position(0);
    dg.putLong(Wire.PACKET_NUMBER_OFFSET, 43);
    assertThat(source.open(43, dg.position(0), plain)).isFalse();
    // Nor does the receiver open its own direction.
    assertThat(receiver.open(42, dg.position(0), plain)).isFalse();
  }

  @Test
  void refusesALowOrderKey() {
    X25519PrivateKeyParameters r = SessionCrypto.newPrivateKey();
    byte[] zero = new byte[32];
    assertThatThrownBy(() -> SessionCrypto.deriveKeys(r, zero, sessionId, zero,
        SessionCrypto.publicKey(r))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("all zeros");
  }
}
