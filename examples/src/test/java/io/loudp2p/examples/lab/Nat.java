package io.loudp2p.examples.lab;

/**
 * A kind of NAT a lab host can sit behind ({@link Lab#host(String, LinkProfile, Nat...)}): how it
 * maps an inside socket to a public port, in RFC 4787's terms. Each is a namespace whose outward
 * interface masquerades (nftables) what it forwards outward.
 *
 * <p>Both filter as a home router does: only the replies of flows the inside started come in (a
 * packet must match a flow in the NAT's connection tracking, by remote address and port too);
 * every other packet from outside, UDP or TCP, to an inside address or to the NAT box itself, is
 * dropped without a word: no ICMP error, no TCP reset. Nothing is forwarded to the inside
 * unasked: no port forwarding, no UPnP.
 */
public enum Nat {
  /**
   * Endpoint-independent mapping, as most home routers: one inside socket has one public address
   * and port whatever the destination (Linux {@code masquerade}, which keeps the inside port
   * where no other flow holds it). A peer can learn its public port from one server and give it
   * to another.
   */
  ENDPOINT_INDEPENDENT("masquerade"),
  /**
   * Address- and port-dependent mapping, a "symmetric" NAT, as some carriers and firewalls: each
   * destination gets the inside socket a public port of its own, chosen at random (Linux {@code
   * masquerade fully-random}; {@code masquerade random} did as much on Linux 6.18). The port a
   * server saw is no use to anyone else.
   */
  ADDRESS_AND_PORT_DEPENDENT("masquerade fully-random");

  private final String masquerade;

  Nat(String masquerade) {
    this.masquerade = masquerade;
  }

  /**
   * The nftables ruleset of a NAT box of this kind whose outward interface is {@code outward}: one
   * argument to {@code nft}, run in the box's namespace.
   */
  String rules(String outward) {
    String in = "iifname \"" + outward + "\"";
    return String.join("\n",
        "table ip lab_nat {",
        "  chain postrouting {",
        "    type nat hook postrouting priority srcnat; policy accept;",
        "    oifname \"" + outward + "\" " + masquerade,
        "  }",
        // Unsolicited packets are dropped before the stack could answer them with a reset or an
        // ICMP error: those for the box itself on input, those for the inside on forward.
        "  chain input {",
        "    type filter hook input priority filter; policy accept;",
        "    " + in + " ct state established,related accept",
        "    " + in + " drop",
        "  }",
        "  chain forward {",
        "    type filter hook forward priority filter; policy accept;",
        "    " + in + " ct state established,related accept",
        "    " + in + " drop",
        "  }",
        "}",
        "");
  }
}
