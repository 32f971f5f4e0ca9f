package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loudp2p.Peer;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.transport.grpc.GrpcTransportOptions;
import java.io.File;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A browser tab is a light client of three full peers on 127.0.0.1 that serve gRPC-Web, the page
 * served by one of them: it searches and plays the hit from all three at once, plays on with no
 * stall when one of them stops mid-track, seeks to 90% and plays on there, and every byte it
 * verified is the file's; a peer whose file went bad under it serves a corrupt chunk, and the tab
 * drops it and plays on from the others.
 *
 * <p>Uses the system's Chromium and chromedriver (Debian's {@code chromium} and {@code
 * chromium-driver}); skipped without them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WebTabBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /** Three minutes: 7.9 MB, 485 chunks. */
  private static final int SECONDS = 180;
  /** A phone's screen width in CSS pixels. */
  private static final int PHONE_WIDTH = 390;
  private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

  static {
    SELENIUM_LOG.setLevel(Level.SEVERE);
  }

  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private @Nullable WebDriver browser;

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A full peer sharing {@code wav} that serves gRPC-Web and the page; its web port. */
  private record WebPeer(Peer peer, int webPort, Path file) {}

  private WebPeer sharer(String name, byte[] wav, WebPageFiles page, @Nullable Peer bootstrap)
      throws Exception {
    Path music = Files.createDirectories(tmp.resolve(name));
    Path file = music.resolve("Night Ferry.wav");
    Files.write(file, wav);
    int port = freePort();
    Peer.Builder b = Peer.builder().share(music).transport(GrpcTransportOptions.builder()
        .web(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
        .webPage(page.folder()).build());
    if (bootstrap != null) {
      b.bootstrap(bootstrap.listenAddresses().get(0));
    }
    Peer p = b.build().start();
    open.add(p);
    p.catalog().ready().get(30, TimeUnit.SECONDS);
    return new WebPeer(p, port, file);
  }

  /** Three sharers of {@code wav}, the last two bootstrapped from the first, which knows them. */
  private List<WebPeer> threeSharers(byte[] wav) throws Exception {
    WebPageFiles page = WebPageFiles.extract();
    open.add(page);
    WebPeer a = sharer("a", wav, page, null);
    WebPeer b = sharer("b", wav, page, a.peer());
    WebPeer c = sharer("c", wav, page, a.peer());
    io.loudp2p.core.testing.Await.until(() -> a.peer().metrics().peersKnown() >= 2,
        Duration.ofSeconds(20), "the page's peer knows the two others");
    return List.of(a, b, c);
  }

  /** A headless Chromium; on a phone's screen {@code phoneWidth} CSS pixels wide unless 0. */
  private WebDriver chromium(int phoneWidth) {
    ChromeOptions options = new ChromeOptions();
    if (phoneWidth > 0) {
      options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics", Map.of("width",
          phoneWidth, "height", 844, "pixelRatio", 3.0, "mobile", true, "touch", true)));
    }
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
        "--autoplay-policy=no-user-gesture-required", "--mute-audio");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    return browser;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> state(WebDriver browser) {
    return (Map<String, Object>) ((JavascriptExecutor) browser)
        .executeScript("return window.loudp2pTest ? window.loudp2pTest.state() : {}");
  }

  private static Map<String, Object> await(WebDriver browser, String what,
      Predicate<Map<String, Object>> condition) {
    Map<String, Object>[] last = new Map[1];
    try {
      return new WebDriverWait(browser, Duration.ofSeconds(60)).until(d -> {
        last[0] = state(d);
        return condition.test(last[0]) ? last[0] : null;
      });
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError(what + "; the page's state: " + last[0], e);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> sources(Map<String, Object> state) {
    return (List<Map<String, Object>>) state.getOrDefault("sources", List.of());
  }

  private static @Nullable Map<String, Object> source(Map<String, Object> state, Peer peer) {
    return sources(state).stream().filter(s -> peer.id().toString().equals(s.get("peer")))
        .findFirst().orElse(null);
  }

  /** Chunks the sources delivered, in all. */
  private static int chunks(Map<String, Object> state) {
    return sources(state).stream().mapToInt(s -> ((Number) s.get("chunks")).intValue()).sum();
  }

  private static double number(Map<String, Object> state, String key) {
    Object v = state.get(key);
    return v == null ? Double.NaN : ((Number) v).doubleValue();
  }

  private static String digest(WebDriver browser) {
    return (String) ((JavascriptExecutor) browser).executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + " window.loudp2pTest.digest().then(done, e => done('failed: ' + e));");
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void aTabPlaysFromThreePeersPlaysOnWhenOneStopsSeeksAndVerifiedEveryByte() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs " + CHROMIUM + " and " + CHROMEDRIVER + "; skipped without them");
    byte[] wav = TestAudio.noiseWav(SECONDS, 21);
    List<WebPeer> peers = threeSharers(wav);
    WebDriver tab = chromium(0);

    // The page bootstraps from the peer that served it, searches, and plays the hit clicked.
    tab.get("http://127.0.0.1:" + peers.get(0).webPort() + "/");
    new WebDriverWait(tab, Duration.ofSeconds(30)).until(
        d -> d.findElement(By.id("go")).isEnabled());
    tab.findElement(By.id("q")).sendKeys("night ferry");
    tab.findElement(By.id("go")).click();
    new WebDriverWait(tab, Duration.ofSeconds(30)).until(
        ExpectedConditions.elementToBeClickable(By.cssSelector("#results li"))).click();
    Map<String, Object> started = await(tab, "the tab plays from three peers",
        s -> Boolean.TRUE.equals(s.get("playing")) && sources(s).stream()
            .filter(src -> ((Number) src.get("chunks")).intValue() > 0).count() == 3);
    // One of the two peers the page did not come from stops while the track plays. What the tab
    // has from it is read once it stopped: on a busy machine, a read before the stop may be
    // several batches older than the stop.
    WebPeer leaving = peers.get(1);
    leaving.peer().close();
    Map<String, Object> atStop = state(tab);
    assertThat(atStop.get("complete")).as("the track was still being fetched").isEqualTo(false);
    double stoppedAt = number(started, "currentTime");
    Map<String, Object> after = await(tab, "the tab played on for 5 s after a peer stopped",
        s -> number(s, "currentTime") > stoppedAt + 5);
    assertThat(number(after, "waitingEvents")).as("no stall: " + after).isZero();
    assertThat(after.get("error")).isNull();
    // The others brought the rest: chunks kept coming after the stop, none of them from it.
    int before = chunks(atStop);
    Map<String, Object> rest = await(tab, "the others fetched on after the stop",
        s -> chunks(s) > before + 10);
    assertThat(((Number) source(rest, leaving.peer()).get("chunks")).intValue())
        .isLessThanOrEqualTo(((Number) source(atStop, leaving.peer()).get("chunks")).intValue()
            + 16); // a batch it had on the wire as it stopped

    double duration = number(after, "duration");
    assertThat(duration).isCloseTo(SECONDS, org.assertj.core.api.Assertions.within(1.0));
    ((JavascriptExecutor) tab).executeScript(
        "const a = document.querySelector('audio'); a.currentTime = a.duration * 0.9;");
    Map<String, Object> seeked = await(tab, "the tab plays on from 90%",
        s -> number(s, "currentTime") > duration * 0.9 + 2 && Boolean.TRUE.equals(s.get("playing")));
    assertThat(seeked.get("error")).isNull();

    assertThat(digest(tab)).as("what the tab verified is the file").isEqualTo(sha256(wav));
    System.out.printf(Locale.ROOT, "web tab: first audio %.0f ms after the page's navigation;"
        + " sources %s%n", number(started, "firstPlayingMs"), sources(seeked));
  }

  @Test
  void aPeerThatServesACorruptChunkIsDroppedAndTheTrackPlaysOn() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs " + CHROMIUM + " and " + CHROMEDRIVER + "; skipped without them");
    byte[] wav = TestAudio.noiseWav(60, 22);
    List<WebPeer> peers = threeSharers(wav);
    WebPeer rotten = peers.get(2);
    // The file changed under the peer after it was indexed: every chunk it reads is wrong.
    try (RandomAccessFile f = new RandomAccessFile(rotten.file().toFile(), "rw")) {
      for (long at = 100; at < wav.length; at += 4096) {
        f.seek(at);
        f.write(wav[(int) at] ^ 0x55);
      }
    }
    String id = Cli.id(peers.get(0).peer(), "night ferry");
    WebDriver tab = chromium(PHONE_WIDTH);
    tab.get("http://127.0.0.1:" + peers.get(0).webPort() + "/#play=" + id);
    Map<String, Object> dropped = await(tab, "the peer with the corrupt chunks is dropped",
        s -> source(s, rotten.peer()) != null
            && "dropped".equals(source(s, rotten.peer()).get("state")));
    assertThat(String.valueOf(source(dropped, rotten.peer()).get("reason"))).isNotBlank();
    Map<String, Object> playing = await(tab, "the tab plays on from the others",
        s -> number(s, "currentTime") > 3);
    assertThat(playing.get("error")).isNull();
    assertThat(digest(tab)).isEqualTo(sha256(wav));
    // On a phone's screen the swarm view fits: the three sources, the chunk map, nothing cut off.
    assertThat(tab.findElements(By.cssSelector("#sources tbody tr"))).hasSize(3);
    assertThat(tab.findElement(By.id("chunks")).isDisplayed()).isTrue();
    assertThat(((Number) ((JavascriptExecutor) tab).executeScript(
        "return document.documentElement.scrollWidth")).intValue())
        .as("the page's width on a %d px screen", PHONE_WIDTH).isLessThanOrEqualTo(PHONE_WIDTH);
  }

  @Test
  void mp3FlacOggAndOpusPlayInTheTabAsTheyAreAndALongMp3Seeks() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs " + CHROMIUM + " and " + CHROMEDRIVER + "; skipped without them");
    java.io.ByteArrayOutputStream longMp3 = new java.io.ByteArrayOutputStream();
    byte[] mp3 = resource("untagged.mp3");
    for (int i = 0; i < 60; i++) {
      longMp3.writeBytes(mp3); // MPEG audio is a run of frames: 60 copies play on as one, 12 chunks
    }
    Map<String, byte[]> files = new java.util.LinkedHashMap<>();
    files.put("long.mp3", longMp3.toByteArray());
    files.put("tagged.flac", resource("tagged.flac"));
    files.put("tagged.ogg", resource("tagged.ogg"));
    files.put("tagged.opus", resource("tagged.opus"));
    WebPageFiles page = WebPageFiles.extract();
    open.add(page);
    Path music = Files.createDirectories(tmp.resolve("formats"));
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      Files.write(music.resolve(f.getKey()), f.getValue());
    }
    int port = freePort();
    Peer peer = Peer.builder().share(music).transport(GrpcTransportOptions.builder()
        .web(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
        .webPage(page.folder()).build()).build().start();
    open.add(peer);
    peer.catalog().ready().get(30, TimeUnit.SECONDS);
    WebDriver tab = chromium(0);
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      String id = io.loudp2p.core.testing.TestTracks.manifest(f.getValue()).trackId().toString();
      tab.get("http://127.0.0.1:" + port + "/#play=" + id);
      tab.navigate().refresh(); // the same page with another hash: load it anew
      Map<String, Object> played = await(tab, f.getKey() + " plays",
          s -> number(s, "firstPlayingMs") > 0 && number(s, "duration") > 0);
      assertThat(played.get("error")).as(f.getKey()).isNull();
      if (f.getKey().equals("long.mp3")) {
        double duration = number(played, "duration");
        ((JavascriptExecutor) tab).executeScript(
            "const a = document.querySelector('audio'); a.currentTime = a.duration * 0.9;");
        Map<String, Object> seeked = await(tab, "the long MP3 plays on from 90%",
            s -> number(s, "currentTime") > duration * 0.9 && Boolean.TRUE.equals(s.get("playing")));
        assertThat(seeked.get("error")).isNull();
      }
      assertThat(digest(tab)).as(f.getKey()).isEqualTo(sha256(f.getValue()));
    }
  }

  private static byte[] resource(String name) throws Exception {
    try (var in = WebTabBrowserIT.class.getResourceAsStream("/audio/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }
}
