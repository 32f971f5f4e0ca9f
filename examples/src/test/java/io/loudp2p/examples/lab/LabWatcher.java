package io.loudp2p.examples.lab;

import io.loudp2p.Peer;
import io.loudp2p.PeerInfo;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Another peer of the lab, watching for one peer by its ID: a LIGHT peer that joins through one
 * bootstrap peer and prints {@code record SEQUENCE ADDRESS,...} each time the record it knows of
 * the watched peer changes, as others pass it on. Runs until killed.
 *
 * <p>{@code LabWatcher BOOTSTRAP_HOST:PORT LISTEN_HOST PEER_ID}
 */
public final class LabWatcher {
  private LabWatcher() {}

  public static void main(String[] args) throws Exception {
    String watched = args[2];
    try (Peer peer = LabClients.lightPeer(args[0], args[1])) {
      System.out.println("watching " + watched);
      long lastSequence = -1;
      while (true) {
        for (PeerInfo p : peer.peers()) {
          if (p.id().toString().equals(watched) && p.sequence() != lastSequence) {
            lastSequence = p.sequence();
            List<InetSocketAddress> at = p.addresses();
            System.out.println("record " + p.sequence() + " " + at.stream()
                .map(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
                .collect(Collectors.joining(",")));
          }
        }
        LockSupport.parkNanos(200_000_000L);
      }
    }
  }
}
