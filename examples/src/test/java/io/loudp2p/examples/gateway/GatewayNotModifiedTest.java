package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.TrackId;
import io.loudp2p.examples.audio.SynthesizedMusic;
import io.loudp2p.examples.audio.SynthesizedMusic.TrackSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code If-None-Match} on {@code /tracks/{id}}, through a gateway on a peer that reaches a sharer. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayNotModifiedTest {
  private static final TrackSpec SONG = SynthesizedMusic.demoTracks().get(0);
  private static final String LONG_AGO = "Sat, 01 Jan 2000 00:00:00 GMT";
  private static final String FAR_AHEAD = "Fri, 01 Jan 2100 00:00:00 GMT";

  @TempDir static Path tmp;
  private static Peer sharer;
  private static Peer listener;
  private static Gateway gateway;
  private static byte[] song;
  private static TrackId songId;
  private static String etag;
  private static HttpClient http;

  @BeforeAll
  static void startNetwork() throws Exception {
    song = Files.readAllBytes(SynthesizedMusic.write(tmp.resolve("music"), SONG));
    sharer = Peer.builder().share(tmp.resolve("music")).build().start();
    sharer.catalog().ready().orTimeout(30, TimeUnit.SECONDS).join();
    listener = Peer.builder().bootstrap(sharer.listenAddresses().get(0)).build().start();
    songId = sharer.catalog().search(SONG.title(), 1).get(0).track().id();
    etag = "\"" + songId + "\"";
    gateway = Gateway.builder(listener).searchDeadline(Duration.ofSeconds(1)).start();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    // As a browser would: the page's search tells the gateway about the track.
    assertThat(send(gateway, "GET", "/search?q=lisbon").statusCode()).isEqualTo(200);
  }

  @AfterAll
  static void stopNetwork() {
    for (AutoCloseable c : new AutoCloseable[] {gateway, listener, sharer}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void theTracksOwnTagGets304WithTheTagAndNoBodyForGetAndHead() throws Exception {
    for (String method : List.of("GET", "HEAD")) {
      HttpResponse<byte[]> r = send(gateway, method, "/tracks/" + songId, "If-None-Match", etag);

      assertThat(r.statusCode()).as(method).isEqualTo(304);
      assertThat(r.headers().firstValue("ETag")).as(method).hasValue(etag);
      assertThat(r.headers().firstValue("Cache-Control")).as(method).hasValue("private, max-age=86400");
      assertThat(r.headers().firstValue("Content-Range")).as(method).isEmpty();
      assertThat(r.headers().firstValue("Content-Length")).as(method)
          .satisfiesAnyOf(v -> assertThat(v).isEmpty(), v -> assertThat(v).hasValue(Integer.toString(song.length)));
      assertThat(r.body()).as(method).isEmpty();
    }
  }

  @Test
  void weakTagsListsAndTheWildcardMatchTooEvenWithARange() throws Exception {
    for (String field : List.of("W/" + etag, "\"other\", " + etag, "\"a\",W/" + etag + ",\"b\"", "*")) {
      assertThat(send(gateway, "GET", "/tracks/" + songId, "If-None-Match", field).statusCode())
          .as(field).isEqualTo(304);
      assertThat(send(gateway, "GET", "/tracks/" + songId, "If-None-Match", field,
          "Range", "bytes=0-99").statusCode()).as(field + " with a range").isEqualTo(304);
    }
  }

  @Test
  void anotherTagGetsTheNormalAnswerWithItsRange() throws Exception {
    HttpResponse<byte[]> whole = send(gateway, "GET", "/tracks/" + songId,
        "If-None-Match", "\"someOtherVersion\", W/\"x\"");
    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(whole.body()).isEqualTo(song);

    HttpResponse<byte[]> part = send(gateway, "GET", "/tracks/" + songId,
        "If-None-Match", "\"someOtherVersion\"", "Range", "bytes=1000-1999");
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 1000-1999/" + song.length);
    assertThat(part.body()).isEqualTo(Arrays.copyOfRange(song, 1000, 2000));

    HttpResponse<byte[]> head = send(gateway, "HEAD", "/tracks/" + songId, "If-None-Match", "\"x\"");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Length")).hasValue(Integer.toString(song.length));
  }

  @Test
  void ifNoneMatchTakesPrecedenceOverIfModifiedSince() throws Exception {
    assertThat(send(gateway, "GET", "/tracks/" + songId, "If-None-Match", etag,
        "If-Modified-Since", LONG_AGO).statusCode()).isEqualTo(304);
    HttpResponse<byte[]> r = send(gateway, "GET", "/tracks/" + songId, "If-None-Match", "\"x\"",
        "If-Modified-Since", FAR_AHEAD, "Range", "bytes=0-9");
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(song, 0, 10));
  }

  @Test
  void aTrackAddressedByIdAloneGets304OnceAPeerHasIt() throws Exception {
    try (Gateway fresh = Gateway.builder(listener).start()) {
      for (String method : List.of("GET", "HEAD", "GET")) {
        HttpResponse<byte[]> r = send(fresh, method, "/tracks/" + songId, "If-None-Match", etag);
        assertThat(r.statusCode()).as(method).isEqualTo(304);
        assertThat(r.headers().firstValue("ETag")).as(method).hasValue(etag);
        assertThat(r.body()).as(method).isEmpty();
      }
      byte[] random = new byte[32];
      new SplittableRandom(5).nextBytes(random);
      assertThat(send(fresh, "GET", "/tracks/" + TrackId.fromBytes(random), "If-None-Match", "*")
          .statusCode()).as("a track no peer holds").isEqualTo(404);
    }
  }

  private static HttpResponse<byte[]> send(Gateway to, String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(to.url() + path.substring(1)))
        .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
