package io.loudp2p.examples.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the relay tests set up in their lab: two public FULL peers on the LAN ({@code r1}, the
 * bootstrap, and {@code r2}), which a peer behind a NAT takes as its relays, and a home peer
 * behind {@code homeNat} sharing one track; then listeners, each a {@link LabListener} on a host
 * of the test's, playing the track at twice its rate from one source.
 */
final class RelayedLab {
  final LabHost r1;
  final LabHost r2;
  final LabProcess first;
  final LabProcess second;
  final LabProcess sharer;

  private RelayedLab(LabHost r1, LabHost r2, LabProcess first, LabProcess second,
      LabProcess sharer) {
    this.r1 = r1;
    this.r2 = r2;
    this.first = first;
    this.second = second;
    this.sharer = sharer;
  }

  /** Starts the two relays and the home peer, which shares {@code track} as {@code song}.wav. */
  static RelayedLab start(Lab lab, Path dir, Nat homeNat, String song, byte[] track)
      throws IOException, InterruptedException {
    return start(lab, dir, homeNat, java.util.Map.of(song, track));
  }

  /** Starts the two relays and the home peer, which shares each track as its name + ".wav". */
  static RelayedLab start(Lab lab, Path dir, Nat homeNat, java.util.Map<String, byte[]> songs)
      throws IOException, InterruptedException {
    LabHost r1 = lab.host("r1", LinkProfile.LAN);
    LabHost r2 = lab.host("r2", LinkProfile.LAN);
    LabHost home = lab.host("home", LinkProfile.LAN, homeNat);
    Path shared = Files.createDirectories(dir.resolve("home"));
    for (java.util.Map.Entry<String, byte[]> e : songs.entrySet()) {
      Files.write(shared.resolve(e.getKey() + ".wav"), e.getValue());
    }
    Files.createDirectories(dir.resolve("r1"));
    Files.createDirectories(dir.resolve("r2"));
    LabProcess first = r1.share(dir.resolve("r1"), dir, null);
    first.awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
    LabProcess second = r2.share(dir.resolve("r2"), dir, r1.peerAddress());
    second.awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
    LabProcess sharer = home.share(dir.resolve("home"), dir, r1.peerAddress());
    sharer.awaitLine(l -> l.startsWith("listens"), Duration.ofSeconds(60));
    return new RelayedLab(r1, r2, first, second, sharer);
  }

  /**
   * Starts a listener on {@code phone} that finds {@code song} and plays it at 2x: 88 KB/s of
   * WAV, twice a 352 kbit/s stream, which a relay on a busy two-core test machine carries with
   * room to spare.
   */
  LabProcess listen(LabHost phone, String song) throws IOException {
    return listen(phone, song, 2, false);
  }

  /**
   * A listener on {@code phone} that finds {@code song} and plays it at {@code speed} times its
   * rate, {@code atOnce} as it found it, before it knows its UDP mapping, or once it does.
   */
  LabProcess listen(LabHost phone, String song, int speed, boolean atOnce) throws IOException {
    return phone.startJava("listen", LabListener.class.getName(), r1.peerAddress(),
        phone.address().getHostAddress(), song,
        Integer.toString(speed * LabAudio.BYTES_PER_SECOND), "1", atOnce ? "at-once" : "waits");
  }
}
