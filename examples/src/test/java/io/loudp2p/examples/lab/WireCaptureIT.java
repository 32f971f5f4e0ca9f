package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.TrackId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * An observer on a listener's link (the café's Wi-Fi, the carrier) records every packet while the
 * listener searches for a word only one track's name holds and streams that track, first with its
 * chunks on the UDP data plane, then with UDP blocked so that they come over gRPC. In what it
 * recorded there is no trace of the word, the track's ID or any chunk's bytes: the control plane
 * is TLS, the data plane sealed. A word sent in clear over the same link is seen, so the recording
 * would have shown them.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(Lab.SECOND_LANE)
@Timeout(300)
class WireCaptureIT extends LabTestBase {
  private static final String WORD = "Quetzalkestrel";
  private static final int CHUNK = 16 * 1024;

  @Test
  void anObserverOnTheListenersLinkSeesNoQueryNoTrackIdAndNoChunk() throws Exception {
    byte[] wav = LabAudio.noiseWav(6, 23);
    LabHost source = lab.host("source", LinkProfile.LAN);
    Path music = Files.createDirectories(dir.resolve("music"));
    Files.write(music.resolve(WORD + ".wav"), wav);
    source.share(music, dir, null)
        .awaitLine(l -> l.startsWith("shares   1 track "), Duration.ofSeconds(90));
    LabHost listener = lab.host("listener", LinkProfile.LAN);

    Path clear = dir.resolve("clear.capture");
    lab.capture(listener, clear);
    String canary = "canary-" + WORD + "-in-clear";
    listener.run("bash", "-c", "printf '%s' '" + canary + "' > /dev/udp/"
        + source.address().getHostAddress() + "/9");
    lab.capture(listener, null);
    assertThat(WireCapture.read(clear).containsText(canary)).as("a word sent in clear is seen")
        .isTrue();

    Path overUdp = dir.resolve("udp.capture");
    lab.capture(listener, overUdp);
    String udpRun = listen(listener, source, "udp");
    lab.capture(listener, null);

    // UDP from the listener's host is dropped on the way: the session falls back to gRPC.
    lab.dropUdpFrom(listener);
    Path overGrpc = dir.resolve("grpc.capture");
    lab.capture(listener, overGrpc);
    String grpcRun = listen(listener, source, "grpc");
    lab.capture(listener, null);

    TrackId track = trackOf(udpRun);
    assertThat(trackOf(grpcRun)).isEqualTo(track);
    List<byte[]> secrets = new ArrayList<>();
    secrets.add(track.bytes());
    secrets.add(track.toString().getBytes(StandardCharsets.US_ASCII));
    secrets.add(HexFormat.of().formatHex(track.bytes()).getBytes(StandardCharsets.US_ASCII));
    for (int at = 0; at + 64 <= wav.length; at += CHUNK / 4) {
      secrets.add(Arrays.copyOfRange(wav, at + 32, at + 64)); // 32 bytes of every quarter chunk
    }

    WireCapture udp = WireCapture.read(overUdp);
    WireCapture grpc = WireCapture.read(overGrpc);
    System.out.println("over UDP: " + udp + "\nover gRPC: " + grpc);
    // The track did cross the observed link, over the transport each run names.
    assertThat(udp.udpBytes()).as("%s", udp).isGreaterThan(wav.length);
    assertThat(grpc.tcpBytes()).as("%s", grpc).isGreaterThan(wav.length);
    assertThat(grpc.udpBytes()).as("%s", grpc).isLessThan(CHUNK);
    for (WireCapture c : List.of(udp, grpc)) {
      assertThat(c.containsText(WORD)).as("the query in %s", c).isFalse();
      for (byte[] secret : secrets) {
        assertThat(c.contains(secret)).as("%s in %s", HexFormat.of().formatHex(secret), c)
            .isFalse();
      }
    }
  }

  /** Runs a listener that searches for the word and streams the hit; what it printed. */
  private static String listen(LabHost listener, LabHost source, String transport)
      throws Exception {
    LabProcess p = listener.startJava("listener-" + transport, LabListener.class.getName(),
        source.peerAddress(), listener.address().getHostAddress(), WORD.toLowerCase(),
        Integer.toString(50 * LabAudio.BYTES_PER_SECOND), "1");
    assertThat(p.awaitExit(Duration.ofSeconds(120))).as(p.tail()).isZero();
    String out = p.output();
    assertThat(out).as(out).contains("over " + transport);
    return out;
  }

  private static TrackId trackOf(String listenerOutput) {
    Matcher m = Pattern.compile("hit (\\S+) sources").matcher(listenerOutput);
    assertThat(m.find()).as(listenerOutput).isTrue();
    return TrackId.parse(m.group(1));
  }
}
