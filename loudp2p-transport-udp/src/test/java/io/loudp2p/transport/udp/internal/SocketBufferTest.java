package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.UdpTransportOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.Test;

/** The socket buffer size of the settings is what each session's socket asks the kernel for. */
class SocketBufferTest {
  private static int receiveBuffer(UdpTransportOptions settings) throws Exception {
    try (UdpDataTransport t =
            new UdpDataTransport(TransportOptions.builder().settings(settings).build());
        DatagramChannel c = t.openChannel(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      return c.getOption(StandardSocketOptions.SO_RCVBUF);
    }
  }

  @Test
  void aSmallerBufferSettingGivesSessionSocketsASmallerReceiveBuffer() throws Exception {
    int small = receiveBuffer(UdpTransportOptions.builder().socketBufferBytes(8192).build());
    int large = receiveBuffer(UdpTransportOptions.builder().socketBufferBytes(1 << 20).build());

    // The kernel may round or cap what it grants, but never grants the small ask more.
    assertThat(small).isPositive().isLessThan(large);
  }
}
