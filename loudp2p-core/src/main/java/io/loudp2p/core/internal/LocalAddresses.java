package io.loudp2p.core.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Which addresses others can reach a listening socket at. */
public final class LocalAddresses {
  private LocalAddresses() {}

  /**
   * The addresses others may use for {@code bound}: itself, or, for the wildcard address, this
   * machine's addresses of that family on interfaces that are up, loopback and link-local ones
   * left out (loopback alone when there are none), at most {@code max}.
   */
  public static List<InetSocketAddress> reachableAs(InetSocketAddress bound, int max) {
    InetAddress ip = bound.getAddress();
    if (ip == null || !ip.isAnyLocalAddress()) {
      return List.of(bound);
    }
    List<InetSocketAddress> out = new ArrayList<>();
    try {
      for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!n.isUp() || n.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(n.getInetAddresses())) {
          boolean family = a instanceof Inet4Address || ip instanceof Inet6Address;
          if (family && !a.isLinkLocalAddress() && !a.isLoopbackAddress() && out.size() < max) {
            out.add(new InetSocketAddress(a, bound.getPort()));
          }
        }
      }
    } catch (SocketException e) {
      // no interfaces to list: loopback below
    }
    if (out.isEmpty()) {
      out.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort()));
    }
    return out;
  }
}
