package io.loudp2p.examples.lab;

import java.time.Duration;

/**
 * What a host's access link is like: the round trip it adds to a path (to a host whose link adds
 * nothing), its rates down (towards the host) and up, the share of packets it loses, and how much
 * its bottleneck queue holds (in time at its rate: a deep buffer is a long queue).
 *
 * @param downKbit rate towards the host in kbit/s; 0 for no limit
 * @param upKbit rate from the host in kbit/s; 0 for no limit
 * @param loss share of packets lost in each direction, 0 to 1
 */
public record LinkProfile(String name, Duration rtt, int downKbit, int upKbit, double loss,
    Duration queue) {
  /** A wired local network: about a millisecond, no rate limit. */
  public static final LinkProfile LAN = new LinkProfile("lan", Duration.ofMillis(1), 0, 0, 0,
      Duration.ZERO);
  /** A phone on 3G: 300 ms, 1 Mbit/s down, 384 kbit/s up, a deep buffer (a second and a half). */
  public static final LinkProfile THREE_G = new LinkProfile("3g", Duration.ofMillis(300), 1_000,
      384, 0, Duration.ofMillis(1_500));
  /** A phone on LTE: 60 ms, 10 Mbit/s down, 5 Mbit/s up. */
  public static final LinkProfile LTE = new LinkProfile("lte", Duration.ofMillis(60), 10_000,
      5_000, 0, Duration.ofMillis(200));
  /** A lossy Wi-Fi: 20 ms, 2% of packets lost each way, 20 Mbit/s. */
  public static final LinkProfile LOSSY_WIFI = new LinkProfile("wifi", Duration.ofMillis(20),
      20_000, 20_000, 0.02, Duration.ofMillis(100));

  public LinkProfile {
    if (rtt.isNegative() || downKbit < 0 || upKbit < 0 || loss < 0 || loss >= 1
        || queue.isNegative()) {
      throw new IllegalArgumentException("bad link profile " + name);
    }
  }

  /**
   * The delay each packet gets as it passes this link's delay line: half the round trip, since a
   * packet passes the line once each way.
   */
  Duration delayPerPass() {
    return rtt.dividedBy(2);
  }
}
