package io.loudp2p.examples.lab;

import io.loudp2p.NetworkStatus;
import io.loudp2p.Peer;
import io.loudp2p.Role;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * What a LIGHT peer on a lab host learns of its own place in the network: it joins through the
 * bootstrap peers given, waits (at most 40 s) until it has observed its UDP mapping and two peers
 * agree on its public address, and prints {@code mapping KIND}, {@code udp-public IP:PORT} and
 * {@code public-address IP} (each {@code none} when not learnt).
 *
 * <p>{@code LabNetworkStatus LISTEN_HOST BOOTSTRAP_HOST:PORT...}
 */
public final class LabNetworkStatus {
  private LabNetworkStatus() {}

  public static void main(String[] args) throws Exception {
    Peer.Builder b = Peer.builder().role(Role.LIGHT)
        .listen(new InetSocketAddress(InetAddress.getByName(args[0]), 0));
    for (int i = 1; i < args.length; i++) {
      String[] hp = args[i].split(":");
      b.bootstrap(new InetSocketAddress(InetAddress.getByName(hp[0]), Integer.parseInt(hp[1])));
    }
    try (Peer peer = b.build().start()) {
      long until = System.nanoTime() + 40_000_000_000L;
      NetworkStatus s = peer.network();
      while ((s.udpMapping() == NetworkStatus.Mapping.UNKNOWN || s.publicAddress().isEmpty())
          && System.nanoTime() < until) {
        Thread.sleep(100); // a separate process: polled, as an app's status screen would
        s = peer.network();
      }
      System.out.println("mapping " + s.udpMapping());
      System.out.println("udp-public " + s.udpPublic().map(a -> a.getAddress().getHostAddress()
          + ":" + a.getPort()).orElse("none"));
      System.out.println("public-address "
          + s.publicAddress().map(InetAddress::getHostAddress).orElse("none"));
    }
    System.exit(0);
  }
}
