package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loudp2p.Peer;
import io.loudp2p.TrackId;
import io.loudp2p.examples.audio.SynthesizedMusic;
import io.loudp2p.examples.audio.SynthesizedMusic.TrackSpec;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium plays a track through the gateway's page: search, click, play, seek.
 *
 * <p>Uses the system's Chromium and chromedriver (the Debian {@code chromium} and {@code
 * chromium-driver} packages) and never lets Selenium download a browser or driver; skipped when
 * they are not installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /** Five minutes (13 MB): far longer than what the browser reads ahead, so a seek asks again. */
  private static final TrackSpec SONG = new TrackSpec("Long Tide", "The Paper Lanterns",
      "Harbour Lights", 9, "Pop", Duration.ofMinutes(5), 11);
  /** Kept so the level holds: the test uses no DevTools, so their version warnings are noise. */
  private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

  static {
    SELENIUM_LOG.setLevel(Level.SEVERE);
  }

  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private @Nullable WebDriver driver;

  @AfterEach
  void tearDown() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void searchesPlaysAndSeeksInHeadlessChromium() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs " + CHROMIUM + " and " + CHROMEDRIVER
            + " (Debian packages chromium and chromium-driver); skipped without them");

    Path music = tmp.resolve("music");
    SynthesizedMusic.write(music, SONG);
    Peer sharer = Peer.builder().share(music).build().start();
    sharer.catalog().ready().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
    open.add(sharer);
    Peer player = Peer.builder().bootstrap(sharer.listenAddresses().get(0)).build().start();
    open.add(player);
    TrackId id = sharer.catalog().search(SONG.title(), 1).get(0).track().id();
    List<String> ranges = new CopyOnWriteArrayList<>();
    Gateway gateway = Gateway.builder(player)
        .searchDeadline(Duration.ofSeconds(1))
        .listener(new Gateway.Listener() {
          @Override
          public void onResponse(String method, String rawPath, @Nullable String range, int status) {
            if (rawPath.equals("/tracks/" + id) && range != null) {
              ranges.add(method + " " + range + " " + status);
            }
          }
        })
        .start();
    open.add(gateway);

    WebDriver browser = chromium();
    browser.get(gateway.url().toString());
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
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

    script(browser, "document.getElementById('player').currentTime = 270;");
    wait.until(b -> currentTime(b) >= 270.0 && currentTime(b) < 299.0);
    double afterSeek = currentTime(browser);
    wait.until(b -> currentTime(b) > afterSeek + 1.0);
    assertThat(currentTime(browser)).isBetween(270.0, 300.0);

    assertThat(ranges).as("range requests the gateway answered").isNotEmpty()
        .allSatisfy(r -> assertThat(r).startsWith("GET bytes=").endsWith(" 206"));
    // The seek went to the network: a request starting near 270 s of 44,100-byte seconds.
    assertThat(ranges).as("a range request for the seek")
        .anySatisfy(r -> assertThat(rangeStart(r)).isGreaterThan(250L * 44_100));
  }

  private WebDriver chromium() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
        "--autoplay-policy=no-user-gesture-required", "--mute-audio");
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

  /** The first byte of a logged "GET bytes=a-b 206". */
  private static long rangeStart(String logged) {
    String spec = logged.substring(logged.indexOf('=') + 1);
    return Long.parseLong(spec.substring(0, spec.indexOf('-')));
  }

  private static double currentTime(WebDriver browser) {
    Object t = script(browser, "return document.getElementById('player').currentTime");
    return t instanceof Number ? ((Number) t).doubleValue() : 0;
  }
}
