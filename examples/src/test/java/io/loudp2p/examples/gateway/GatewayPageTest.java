package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The page, its icon and a search, from a gateway on a peer that knows no other peer. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GatewayPageTest {
  private static Peer lonely;
  private static Gateway gateway;
  private static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    lonely = Peer.builder().build().start();
    gateway = Gateway.builder(lonely).searchDeadline(Duration.ofMillis(300)).start();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (lonely != null) {
      lonely.close();
    }
  }

  @Test
  void faviconIcoIsTheIconAsSvgForGetAndHead() throws Exception {
    HttpResponse<String> get = send("GET", "/favicon.ico");
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
    assertThat(get.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
        policy -> assertThat(policy).startsWith("default-src 'none'").doesNotContain("script"));
    assertThat(get.body()).startsWith("<svg ").contains("</svg>").doesNotContain("<script");
    assertThat(get.body().length()).isLessThan(1024);

    HttpResponse<String> head = send("HEAD", "/favicon.ico");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Length"))
        .hasValue(Integer.toString(get.body().getBytes(StandardCharsets.UTF_8).length));
    assertThat(head.body()).isEmpty();
  }

  @Test
  void thePageCarriesTheSameIconInline() throws Exception {
    String html = send("GET", "/").body();

    Matcher link = Pattern.compile("<link rel=\"icon\" type=\"image/svg\\+xml\" "
        + "href=\"data:image/svg\\+xml,([A-Za-z0-9%._*-]+)\">").matcher(html);
    assertThat(link.find()).as(html).isTrue();
    assertThat(URLDecoder.decode(link.group(1), StandardCharsets.UTF_8))
        .isEqualTo(send("GET", "/favicon.ico").body().strip());
    assertThat(html).doesNotContain("{{icon}}");
  }

  @Test
  void aSearchSaysThatItsPeerKnowsNoOtherPeer() throws Exception {
    HttpResponse<String> r = send("GET", "/search?q=anything");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"query\":\"anything\",\"results\":[],\"peers\":0}");
  }

  private static HttpResponse<String> send(String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path.substring(1)))
            .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }
}
