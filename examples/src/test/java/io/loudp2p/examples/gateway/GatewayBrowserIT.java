package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.examples.audio.SynthesizedMusic.TrackSpec;
import io.loudp2p.examples.audio.SynthesizedMusic;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium uses the gateway's page: search, click, play, seek, with nothing the page
 * asks for missing.
 *
 * <p>Uses the system's Chromium and chromedriver (the Debian {@code chromium} and {@code
 * chromium-driver} packages) and never lets Selenium download a browser or driver; skipped when
 * they are not installed. The peers and the gateway are shared by the tests; each test has its own
 * browser.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /** Five minutes (13 MB): far longer than what the browser reads ahead, so a seek asks again. */
  private static final TrackSpec SONG = new TrackSpec("Long Tide", "The Paper Lanterns",
      "Harbour Lights", 9, "Pop", Duration.ofMinutes(5), 11);
  /**
   * A minute and 4.6 seconds, so rounding shows 1:05 where the player shows 1:04; and names long
   * enough to crowd a phone's screen.
   */
  private static final TrackSpec WIDE = new TrackSpec("Extraordinarily Unforgettable Instrumentals",
      "Thelonious Philharmonic Ensemble", "Comprehensively Remastered Anthology", 3, "Jazz",
      Duration.ofMillis(64_600), 12);
  /** A phone's screen width in CSS pixels (an iPhone 12 to 15's). */
  private static final int PHONE_WIDTH = 390;
  /** Kept so the level holds: the test uses no DevTools, so their version warnings are noise. */
  private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

  static {
    SELENIUM_LOG.setLevel(Level.SEVERE);
  }

  @TempDir static Path tmp;
  private static final List<AutoCloseable> open = new ArrayList<>();
  /** Every response of the shared gateway: method, raw path, Range header, status. */
  private static final List<String> responses = new CopyOnWriteArrayList<>();
  private static Gateway gateway;
  private static TrackId songId;
  private static long songLength;
  private static PeerId sharerId;
  private @Nullable WebDriver driver;

  @BeforeAll
  static void startNetwork() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs " + CHROMIUM + " and " + CHROMEDRIVER
            + " (Debian packages chromium and chromium-driver); skipped without them");
    Path music = tmp.resolve("music");
    SynthesizedMusic.write(music, SONG);
    SynthesizedMusic.write(music, WIDE);
    Peer sharer = Peer.builder().share(music).build().start();
    open.add(sharer);
    sharer.catalog().ready().orTimeout(30, TimeUnit.SECONDS).join();
    Peer player = Peer.builder().bootstrap(sharer.listenAddresses().get(0)).build().start();
    open.add(player);
    Track song = sharer.catalog().search(SONG.title(), 1).get(0).track();
    songId = song.id();
    songLength = song.size();
    sharerId = sharer.id();
    gateway = Gateway.builder(player)
        .searchDeadline(Duration.ofSeconds(1))
        .listener(new Gateway.Listener() {
          @Override
          public void onResponse(String method, String rawPath, @Nullable String range, int status) {
            responses.add(method + " " + rawPath + " " + range + " " + status);
          }
        })
        .start();
    open.add(gateway);
    gateway.addTrack(song); // as 'play' does
  }

  @AfterEach
  void quitBrowser() {
    if (driver != null) {
      driver.quit();
    }
  }

  @AfterAll
  static void stopNetwork() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void searchesPlaysAndSeeksInHeadlessChromium() throws Exception {
    TrackId id = songId;
    WebDriver browser = chromium();
    browser.get(gateway.url().toString());
    // Generous: the suite runs this beside the lab tests, whose processes go first.
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(45));
    browser.findElement(By.id("q")).sendKeys("long tide");
    browser.findElement(By.id("go")).click();
    WebElement row = wait.until(
        ExpectedConditions.elementToBeClickable(By.cssSelector("#results tbody tr")));
    assertThat(row.getText()).contains("Long Tide", "The Paper Lanterns", "Harbour Lights", "5:00");
    assertThat(row.getAttribute("data-id")).isEqualTo(id.toString());

    row.click();

    wait.until(b -> currentTime(b) > 1.0);
    assertThat(script(browser, "return document.getElementById('player').paused")).isEqualTo(false);
    assertThat(script(browser, "return document.getElementById('player').error")).isNull();
    assertThat(browser.findElement(By.id("now")).getText()).contains("Playing Long Tide");

    // A seek to 70% of the track lands there and plays on.
    script(browser, "document.getElementById('player').currentTime = 210;");
    wait.until(b -> currentTime(b) >= 210.0 && currentTime(b) < 240.0);
    double afterSeek = currentTime(browser);
    wait.until(b -> currentTime(b) > afterSeek + 1.0);
    assertThat(currentTime(browser)).isBetween(210.0, 240.0);

    List<String> ranges = responses.stream().filter(r -> r.startsWith("GET /tracks/" + id + " bytes="))
        .map(r -> r.substring(r.indexOf(" bytes=") + 1)).toList();
    assertThat(ranges).as("range requests the gateway answered").isNotEmpty()
        .allSatisfy(r -> assertThat(r).startsWith("bytes=").endsWith(" 206"));
    // The seek went to the network: a request starting near 210 s of 44,100-byte seconds.
    assertThat(ranges).as("a range request for the seek")
        .anySatisfy(r -> assertThat(rangeStart(r)).isGreaterThan(190L * 44_100));

    // Nothing the page asked for was missing (such as an icon) and nothing went wrong in it.
    assertThat(responses).as("responses of the gateway").noneMatch(r -> r.endsWith(" 404"));
    assertThat(consoleErrors(browser)).as("errors in the browser's console").isEmpty();
  }

  @Test
  void thePrintedAddressPlaysItsTrackAtOnceAndShowsItsSwarmOnAPhone() throws Exception {
    WebDriver browser = chromium(PHONE_WIDTH);
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));

    browser.get(gateway.playerUrl(songId).toString());

    wait.withMessage(() -> "the player: " + script(browser, "const p = document.getElementById('player');"
        + " return [p.src, p.paused, p.readyState, p.networkState, p.currentTime,"
        + " String(p.error && p.error.message), document.getElementById('now').textContent].join(' | ')"))
        .until(b -> currentTime(b) > 1.0);
    assertThat(script(browser, "return document.getElementById('player').src"))
        .isEqualTo(gateway.trackUrl(songId).toString());
    assertThat(script(browser, "return document.getElementById('player').paused")).isEqualTo(false);
    assertThat(browser.findElement(By.id("results")).isDisplayed()).as("no search was needed").isFalse();
    // The swarm view: the sharer sending, and chunks played (read by the player) and buffered.
    // The view redraws its rows as it polls: each look finds the sharer's row again.
    By sharerRow = By.cssSelector("#sources tbody tr[data-peer='" + sharerId + "']");
    wait.until(ExpectedConditions.visibilityOfElementLocated(sharerRow));
    wait.until(b -> chunks(b, "played") > 0 && chunks(b, "played") + chunks(b, "buffered")
        + chunks(b, "arriving") + chunks(b, "missing") == chunkCount());
    String row = wait.ignoring(StaleElementReferenceException.class)
        .until(b -> b.findElement(sharerRow).getText());
    assertThat(row).contains(sharerId.toString().substring(0, 8), "active")
        .containsPattern("udp|grpc");
    // The sharer's rate shows above zero while it sends.
    wait.withMessage(() -> "the sharer's rate: " + browser.findElement(sharerRow).getText())
        .ignoring(StaleElementReferenceException.class)
        .until(b -> b.findElement(sharerRow).findElement(By.cssSelector("td.rate")).getText()
            .matches(".*[1-9].*"));
    // A picture of the page as it plays, to look at: target/swarm-view.png.
    java.nio.file.Files.write(java.nio.file.Path.of("target", "swarm-view.png"),
        ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(
            org.openqa.selenium.OutputType.BYTES));
    assertThat(browser.findElement(By.id("now")).getText()).isEqualTo("Playing Long Tide \u2014 The Paper Lanterns");
    assertThat(browser.findElement(By.id("summary")).getText())
        .startsWith("1 source \u00b7 ").contains(chunkCount() + " chunks: ");
    WebElement map = browser.findElement(By.id("chunks"));
    assertThat(map.getRect().getHeight()).as("the chunk map's height").isPositive();
    assertThat(browser.findElement(By.id("legend")).getText()).contains("sent to the player", "buffered", "arriving");
    long viewport = number(browser, "return document.documentElement.clientWidth");
    assertThat(number(browser, "return document.documentElement.scrollWidth"))
        .as("the page's width").isLessThanOrEqualTo(viewport);
    assertThat((long) map.getRect().getX() + map.getRect().getWidth()).isLessThanOrEqualTo(viewport);
    // It keeps asking while the track plays.
    long asked = swarmRequests();
    wait.until(b -> swarmRequests() >= asked + 2);

    assertThat(responses).as("responses of the gateway").noneMatch(r -> r.endsWith(" 404"));
    assertThat(consoleErrors(browser)).as("errors in the browser's console").isEmpty();
  }

  @Test
  void theTableShowsATracksTimeAsThePlayerDoes() {
    WebDriver browser = chromium();
    browser.get(gateway.url().toString());
    WebElement row = search(browser, "unforgettable instrumentals");
    String shown = row.findElement(By.cssSelector("td.num")).getText();

    row.click();

    new WebDriverWait(browser, Duration.ofSeconds(20)).until(b -> duration(b) > 0);
    double seconds = duration(browser);
    assertThat(seconds).as("the track's length, whose rounding differs").isBetween(64.5, 64.99);
    long whole = (long) Math.floor(seconds);
    assertThat(shown).isEqualTo(whole / 60 + ":" + String.format("%02d", whole % 60))
        .isEqualTo("1:04");
  }

  @Test
  void onAPhoneScreenTheResultsFitAndShowTheirSources() {
    WebDriver browser = chromium(PHONE_WIDTH);
    browser.get(gateway.url().toString());
    long viewport = number(browser, "return document.documentElement.clientWidth");
    assertThat(viewport).as("the page's width on the phone").isEqualTo(PHONE_WIDTH);

    WebElement row = search(browser, "unforgettable instrumentals");

    assertThat(number(browser, "return document.getElementById('results').scrollWidth"))
        .as("the table's width").isLessThanOrEqualTo(viewport);
    assertThat(number(browser, "return document.documentElement.scrollWidth"))
        .as("the page's width").isLessThanOrEqualTo(viewport);
    WebElement title = row.findElement(By.cssSelector("td:first-child"));
    WebElement sources = row.findElement(By.cssSelector("td:last-child"));
    WebElement header = browser.findElement(By.cssSelector("#results th:last-child"));
    assertThat(sources.getText()).isEqualTo("1");
    assertThat(header.getText()).isEqualTo("Sources");
    for (WebElement cell : List.of(title, sources, header)) {
      Rectangle r = cell.getRect();
      assertThat(cell.isDisplayed()).as(cell.getText()).isTrue();
      assertThat(r.getWidth()).as(cell.getText()).isPositive();
      assertThat(r.getX()).as(cell.getText()).isNotNegative();
      assertThat((long) r.getX() + r.getWidth()).as(cell.getText()).isLessThanOrEqualTo(viewport);
    }
  }

  @Test
  void aSearchByAPeerThatKnowsNoOtherPeerSaysSo() throws Exception {
    try (Peer lonely = Peer.builder().build().start();
        Gateway alone = Gateway.builder(lonely).searchDeadline(Duration.ofMillis(300)).start()) {
      WebDriver browser = chromium();
      browser.get(alone.url().toString());
      browser.findElement(By.id("q")).sendKeys("long tide");
      browser.findElement(By.id("go")).click();

      WebElement status = browser.findElement(By.id("status"));
      new WebDriverWait(browser, Duration.ofSeconds(20))
          .until(b -> !status.getText().isEmpty() && !status.getText().startsWith("Searching"));
      assertThat(status.getText()).startsWith("No peer connected yet: ");
      assertThat(browser.findElement(By.id("results")).isDisplayed()).isFalse();
    }
  }

  /** Searches for {@code words} on the page and waits for the first result's row. */
  private static WebElement search(WebDriver browser, String words) {
    browser.findElement(By.id("q")).sendKeys(words);
    browser.findElement(By.id("go")).click();
    return new WebDriverWait(browser, Duration.ofSeconds(20)).until(
        ExpectedConditions.elementToBeClickable(By.cssSelector("#results tbody tr")));
  }

  private WebDriver chromium() {
    return chromium(0);
  }

  /** A browser; on a phone's screen {@code phoneWidth} CSS pixels wide unless that is 0. */
  private WebDriver chromium(int phoneWidth) {
    ChromeOptions options = new ChromeOptions();
    if (phoneWidth > 0) {
      options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics",
          Map.of("width", phoneWidth, "height", 844, "pixelRatio", 3.0, "mobile", true, "touch", true)));
    }
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
        "--autoplay-policy=no-user-gesture-required", "--mute-audio");
    options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
    // With both executables named, Selenium has nothing to look up and never runs Selenium Manager.
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort()
        .build();
    driver = new ChromeDriver(service, options);
    return driver;
  }

  private static @Nullable Object script(WebDriver browser, String js) {
    return ((JavascriptExecutor) browser).executeScript(js);
  }

  /** What the page's console said at level SEVERE: failed loads, script errors, refused policy. */
  private static List<String> consoleErrors(WebDriver browser) {
    return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage).toList();
  }

  /** The first byte of a logged "bytes=a-b 206". */
  private static long rangeStart(String logged) {
    String spec = logged.substring(logged.indexOf('=') + 1);
    return Long.parseLong(spec.substring(0, spec.indexOf('-')));
  }

  /** The player's {@code duration} in seconds; 0 while not known. */
  private static double duration(WebDriver browser) {
    Object d = script(browser, "const d = document.getElementById('player').duration;"
        + " return isFinite(d) ? d : 0;");
    return d instanceof Number ? ((Number) d).doubleValue() : 0;
  }

  /** How many chunks the page's map counts in {@code state}, or 0 before it is drawn. */
  private static long chunks(WebDriver browser, String state) {
    Object n = script(browser, "return Number(document.getElementById('chunks').dataset." + state + " || 0)");
    return n instanceof Number ? ((Number) n).longValue() : 0;
  }

  /** The chunks of the song: 16 KiB each. */
  private static long chunkCount() {
    return (songLength + 16_383) / 16_384;
  }

  /** The swarm requests the gateway answered with 200. */
  private static long swarmRequests() {
    return responses.stream().filter(r -> r.startsWith("GET /tracks/" + songId + "/swarm ")
        && r.endsWith(" 200")).count();
  }

  private static long number(WebDriver browser, String js) {
    return ((Number) script(browser, js)).longValue();
  }

  private static double currentTime(WebDriver browser) {
    Object t = script(browser, "return document.getElementById('player').currentTime");
    return t instanceof Number ? ((Number) t).doubleValue() : 0;
  }
}
