package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.TrackId;
import io.loudp2p.examples.audio.SynthesizedMusic;
import io.loudp2p.examples.audio.SynthesizedMusic.TrackSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A gateway on a real peer that reaches, over gRPC on 127.0.0.1, a peer sharing synthesized music. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayTest {
  private static final TrackSpec SONG = SynthesizedMusic.demoTracks().get(0);
  private static final TrackSpec QUOTED = new TrackSpec("Say \"Hi\" <now> & \\ later", "Ünïcode",
      "Tabs\tand\nlines", 7, "Test", Duration.ofSeconds(2), 77);

  @TempDir static Path tmp;
  private static Peer sharer;
  private static Peer listener;
  private static Gateway gateway;
  private static final List<String> seen = new CopyOnWriteArrayList<>();
  private static byte[] song;
  private static TrackId songId;
  private static HttpClient http;

  @BeforeAll
  static void startNetwork() throws Exception {
    Path music = tmp.resolve("music");
    Path songFile = SynthesizedMusic.write(music, SONG);
    SynthesizedMusic.write(music, QUOTED);
    song = Files.readAllBytes(songFile);
    sharer = Peer.builder().share(music).build().start();
    sharer.catalog().ready().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
    listener = Peer.builder().bootstrap(sharer.listenAddresses().get(0)).build().start();
    songId = sharer.catalog().search(SONG.title(), 1).get(0).track().id();
    gateway = Gateway.builder(listener)
        .searchDeadline(Duration.ofSeconds(1))
        .listener(new Gateway.Listener() {
          @Override
          public void onResponse(String method, String rawPath, @Nullable String range, int status) {
            seen.add(method + " " + rawPath + " " + range + " " + status);
          }
        })
        .start();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    // The gateway streams only what a search found.
    assertThat(get("search?q=" + "lisbon").statusCode()).isEqualTo(200);
  }

  @AfterAll
  static void stopNetwork() {
    if (gateway != null) {
      gateway.close();
    }
    if (listener != null) {
      listener.close();
    }
    if (sharer != null) {
      sharer.close();
    }
  }

  @Test
  void searchAnswersJsonWithWhatTheSharerTagged() throws Exception {
    HttpResponse<byte[]> r = get("search?q=morning%20lisbon");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    String json = new String(r.body(), StandardCharsets.US_ASCII);
    assertThat(json).startsWith("{\"query\":\"morning lisbon\",\"results\":[{");
    assertThat(json).contains("\"id\":\"" + songId + "\"", "\"title\":\"Morning Over Lisbon\"",
        "\"artist\":\"The Paper Lanterns\"", "\"album\":\"Harbour Lights\"", "\"trackNumber\":1",
        "\"size\":" + song.length, "\"codec\":\"wav\"", "\"mediaType\":\"audio/wav\"",
        "\"sources\":[\"" + sharer.id() + "\"]", "\"url\":\"/tracks/" + songId + "\"");
    Matcher duration = Pattern.compile("\"durationMs\":(\\d+)").matcher(json);
    assertThat(duration.find()).isTrue();
    assertThat(Long.parseLong(duration.group(1))).isBetween(23_950L, 24_050L);
    assertThat(json).as("the peers the gateway's peer knows").matches(".*\\],\"peers\":[1-9][0-9]*}");
  }

  @Test
  void searchEscapesQuotesMarkupControlCharactersAndNonAscii() throws Exception {
    String json = new String(get("search?q=say+hi").body(), StandardCharsets.US_ASCII);

    assertThat(json).contains(
        "\"title\":\"Say \\\"Hi\\\" \\u003cnow\\u003e \\u0026 \\\\ later\"",
        "\"artist\":\"\\u00dcn\\u00efcode\"");
    assertThat(json).doesNotContain("<", ">", "\n", "\t");
  }

  @Test
  void searchWithoutWordsOrWithTooManyIsABadRequest() throws Exception {
    assertThat(get("search").statusCode()).isEqualTo(400);
    assertThat(get("search?q=").statusCode()).isEqualTo(400);
    assertThat(get("search?q=%20%20").statusCode()).isEqualTo(400);
    assertThat(get("search?q=%25zz%C3").statusCode()).isEqualTo(200);
    assertThat(get("search?q=" + "a".repeat(300)).statusCode()).isEqualTo(400);
    assertThat(get("search?q=" + "a".repeat(3000)).statusCode()).isEqualTo(414);
  }

  @Test
  void aWholeGetIsTheSharedFileByteForByte() throws Exception {
    HttpResponse<byte[]> r = get("tracks/" + songId);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("audio/wav");
    assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
    assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString(song.length));
    assertThat(r.headers().firstValue("ETag")).hasValue("\"" + songId + "\"");
    assertThat(r.body()).isEqualTo(song);
  }

  @Test
  void rangesGet206WithExactlyTheirBytes() throws Exception {
    int len = song.length;
    assertSlice("bytes=0-99", 0, 99);
    assertSlice("bytes=100000-250000", 100_000, 250_000);
    assertSlice("bytes=-500", len - 500, len - 1);
    assertSlice("bytes=700000-", 700_000, len - 1);
    assertSlice("bytes=" + (len - 1) + "-", len - 1, len - 1);
    assertSlice("bytes=5-99999999999999999999999", 5, len - 1);
    assertSlice("bytes=-" + (len + 1000), 0, len - 1);
    assertSlice("BYTES = 16383-16384", 16_383, 16_384);
    // Backwards after forwards, as a player seeking back does.
    assertSlice("bytes=900000-900010", 900_000, 900_010);
    assertSlice("bytes=10-20", 10, 20);
    assertThat(seen).contains("GET /tracks/" + songId + " bytes=-500 206");
  }

  @Test
  void rangesPastTheEndGet416WithTheLength() throws Exception {
    int len = song.length;
    for (String range : List.of("bytes=" + len + "-", "bytes=" + (len + 10) + "-" + (len + 20),
        "bytes=-0", "bytes=99999999999999999999999-")) {
      HttpResponse<byte[]> r = get("tracks/" + songId, "Range", range);
      assertThat(r.statusCode()).as(range).isEqualTo(416);
      assertThat(r.headers().firstValue("Content-Range")).as(range).hasValue("bytes */" + len);
    }
  }

  @Test
  void invalidRangesAreIgnoredAndGetTheWholeTrack() throws Exception {
    for (String range : List.of("bytes=100-50", "bytes=abc", "bytes=1-2-3", "bytes=-", "bytes 0-1",
        "bytes=0x10-", "bytes=+1-2", "bytes=0-1,x", "=0-1", "bytes=" + "1".repeat(2000) + "-",
        "bytes=0-1,5-6", "items=0-1")) {
      HttpResponse<byte[]> r = get("tracks/" + songId, "Range", range);
      assertThat(r.statusCode()).as(range).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Range")).as(range).isEmpty();
      assertThat(r.body()).as(range).isEqualTo(song);
    }
    HttpResponse<byte[]> stale = http.send(request("tracks/" + songId)
        .header("Range", "bytes=0-9").header("If-Range", "\"someOtherVersion\"").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(stale.statusCode()).isEqualTo(200);
    HttpResponse<byte[]> same = http.send(request("tracks/" + songId)
        .header("Range", "bytes=0-9").header("If-Range", "\"" + songId + "\"").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(same.statusCode()).isEqualTo(206);
  }

  @Test
  void headAnswersLengthAndTypeWithoutABody() throws Exception {
    HttpResponse<byte[]> r = http.send(
        request("tracks/" + songId).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofByteArray());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Length")).hasValue(Integer.toString(song.length));
    assertThat(r.headers().firstValue("Content-Type")).hasValue("audio/wav");
    assertThat(r.headers().firstValue("Accept-Ranges")).hasValue("bytes");
    assertThat(r.body()).isEmpty();
  }

  @Test
  void aTrackAddressedByIdAloneGetsTheTypeItsFirstBytesNameForHeadAndGet() throws Exception {
    for (boolean headFirst : new boolean[] {true, false}) {
      // A gateway that no search told about the track.
      try (Gateway fresh = Gateway.builder(listener).start()) {
        HttpRequest.Builder request = HttpRequest.newBuilder(fresh.url().resolve("/tracks/" + songId))
            .timeout(Duration.ofSeconds(20));
        HttpRequest head = request.copy().method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        HttpRequest range = request.copy().header("Range", "bytes=100-199").build();
        List<HttpResponse<byte[]>> answers = new ArrayList<>();
        if (headFirst) {
          answers.add(http.send(head, HttpResponse.BodyHandlers.ofByteArray()));
        }
        HttpResponse<byte[]> part = http.send(range, HttpResponse.BodyHandlers.ofByteArray());
        answers.add(part);
        if (!headFirst) {
          answers.add(http.send(head, HttpResponse.BodyHandlers.ofByteArray()));
        }

        for (HttpResponse<byte[]> r : answers) {
          assertThat(r.headers().firstValue("Content-Type")).as(r.request().method()).hasValue("audio/wav");
        }
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(song, 100, 200));
        assertThat(fresh.describe(songId)).isEqualTo(new Gateway.Resource("audio/wav", song.length));
      }
    }
    try (Gateway fresh = Gateway.builder(listener).start()) {
      assertThat(fresh.describe(songId)).isEqualTo(new Gateway.Resource("audio/wav", song.length));
      HttpResponse<byte[]> whole = http.send(HttpRequest.newBuilder(fresh.url().resolve("/tracks/" + songId))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(whole.headers().firstValue("Content-Type")).hasValue("audio/wav");
      assertThat(whole.body()).isEqualTo(song);
    }
  }

  @Test
  void unknownAndMalformedTrackIdsGet4xx() throws Exception {
    assertThat(get("tracks/").statusCode()).isEqualTo(400);
    assertThat(get("tracks/0OIl").statusCode()).isEqualTo(400); // not Base58
    assertThat(get("tracks/abc").statusCode()).isEqualTo(400); // not 32 bytes
    assertThat(get("tracks/" + "z".repeat(65)).statusCode()).isEqualTo(400);
    assertThat(get("tracks/" + songId + "x").statusCode()).isEqualTo(400);
    assertThat(get("tracks/" + songId + "/").statusCode()).isEqualTo(400);
    assertThat(get("tracks/" + songId + "%00").statusCode()).isEqualTo(400);
    byte[] random = new byte[32];
    new SplittableRandom(3).nextBytes(random);
    HttpResponse<byte[]> unknown = get("tracks/" + TrackId.fromBytes(random));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(new String(unknown.body(), StandardCharsets.US_ASCII)).contains("\"error\"");
    assertThat(get("nothing-here").statusCode()).isEqualTo(404);
  }

  @Test
  void pathTricksGet4xxAndNeverAFile() throws Exception {
    List<String> targets = new ArrayList<>(List.of(
        "/tracks/../../etc/passwd",
        "/tracks/%2e%2e/%2e%2e/etc/passwd",
        "/tracks/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/tracks/..%2f..%2fetc%2fpasswd",
        "/tracks/" + songId + "/../../../etc/passwd",
        "/tracks//etc/passwd",
        "/tracks/%2fetc%2fpasswd",
        "/tracks/C:%5cWindows%5cwin.ini",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/search/../../etc/passwd",
        "//etc/passwd",
        "/tracks/" + "A".repeat(3000),
        "/" + "..%2f".repeat(600) + "etc/passwd"));
    for (String target : targets) {
      String response = raw("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: close\r\n\r\n");
      assertThat(status(response)).as(target).isBetween(400, 499);
      assertThat(response).as(target).doesNotContain("root:", "[fonts]");
    }
    // A request line far beyond what the server reads is refused or dropped, never served.
    String huge = raw("GET /tracks/" + "B".repeat(100_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assertThat(huge.isEmpty() || (status(huge) >= 400 && status(huge) < 500)).as(huge).isTrue();
    // Still serving.
    assertThat(get("tracks/" + songId, "Range", "bytes=0-3").statusCode()).isEqualTo(206);
  }

  @Test
  void stalledRequestsNeitherBlockOthersNorHoldTheirThreadsPastTheLimit() throws Exception {
    long limit = Gateway.REQUEST_TIME_LIMIT.toMillis();
    try (Gateway fresh = Gateway.builder(listener).start()) {
      InetSocketAddress at = fresh.address();
      List<Socket> stalled = new ArrayList<>();
      try {
        long opened = System.nanoTime();
        for (int i = 0; i < 40; i++) {
          Socket s = new Socket(at.getAddress(), at.getPort());
          stalled.add(s);
          // A request line and part of the headers, then nothing.
          s.getOutputStream().write(("GET /tracks/" + songId + " HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: by")
              .getBytes(StandardCharsets.ISO_8859_1));
          s.getOutputStream().flush();
        }

        HttpResponse<byte[]> page = http.send(HttpRequest.newBuilder(fresh.url())
            .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(page.statusCode()).isEqualTo(200);

        for (Socket s : stalled) {
          long left = limit + 3_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
          s.setSoTimeout((int) Math.max(1, left));
          assertThat(closedByPeer(s)).as("a stalled connection is closed by the gateway").isTrue();
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened))
            .isGreaterThanOrEqualTo(limit - 100);
      } finally {
        for (Socket s : stalled) {
          s.close();
        }
      }
      assertThat(http.send(HttpRequest.newBuilder(fresh.url()).timeout(Duration.ofSeconds(3)).build(),
          HttpResponse.BodyHandlers.ofByteArray()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void requestsWithTooManyOrTooLargeHeadersAreDroppedWithoutAnAnswer() throws Exception {
    String start = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    assertThat(raw(start + "X-Big: " + "a".repeat(Gateway.MAX_REQUEST_HEADER_BYTES) + "\r\n\r\n"))
        .isEmpty();
    assertThat(raw(start + headers(Gateway.MAX_REQUEST_HEADERS) + "\r\n")).isEmpty();
    // Within both limits a request is served.
    assertThat(status(raw(start + headers(Gateway.MAX_REQUEST_HEADERS / 2)
        + "X-Big: " + "a".repeat(Gateway.MAX_REQUEST_HEADER_BYTES / 2) + "\r\n\r\n"))).isEqualTo(200);
  }

  @Test
  void aRequestTargetThatIsNotAUriGetsTheJdkServersOwn400() throws Exception {
    // The JDK server parses the target before any handler runs, so this 400 cannot be JSON.
    String response = raw("GET /search?q=%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertThat(status(response)).isEqualTo(400);
    assertThat(get("search?q=%25zz").statusCode()).isEqualTo(200);
  }

  @Test
  void otherMethodsGet405WithAllow() throws Exception {
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS")) {
      for (String path : List.of("", "search?q=x", "tracks/" + songId)) {
        HttpResponse<byte[]> r = http.send(
            request(path).method(method, HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(method + " /" + path).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
      }
    }
  }

  @Test
  void requestsNamingAnotherHostAreRefused() throws Exception {
    assertThat(status(raw("GET / HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n")))
        .isEqualTo(403);
    assertThat(status(raw("GET / HTTP/1.1\r\nHost: 127.0.0.1.attacker.example:80\r\n"
        + "Connection: close\r\n\r\n"))).isEqualTo(403);
    assertThat(status(raw("GET / HTTP/1.1\r\nHost: localhost:" + gateway.address().getPort()
        + "\r\nConnection: close\r\n\r\n"))).isEqualTo(200);
  }

  @Test
  void hostHeadersNamingLoopbackAreRecognized() {
    for (String ok : List.of("127.0.0.1", "127.0.0.1:8080", "localhost:1", "LOCALHOST",
        "127.1.2.3:80", "[::1]:8080", "[::1]")) {
      assertThat(Gateway.hostIsLoopback(ok)).as(ok).isTrue();
    }
    for (String bad : List.of("", "example.com", "127.0.0.1.example.com", "localhost.example",
        "128.0.0.1", "127.0.0.256", "127.0.0:80", "127.0.0.1:80x", "[::2]:80", "[::1]x",
        "localhost:", "127.0.0.1:1234567")) {
      assertThat(Gateway.hostIsLoopback(bad)).as(bad).isFalse();
    }
    assertThat(Gateway.hostIsLoopback(null)).isFalse();
  }

  @Test
  void thePageIsSelfContainedWithAStrictPolicy() throws Exception {
    HttpResponse<byte[]> r = get("");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    String html = new String(r.body(), StandardCharsets.UTF_8);
    assertThat(html).contains("<audio id=\"player\"", "id=\"q\"", "/tracks/", "/search?q=");
    assertThat(html).doesNotContain("http://", "https://", "{{nonce}}");
    String policy = r.headers().firstValue("Content-Security-Policy").orElseThrow();
    Matcher nonce = Pattern.compile("'nonce-([A-Za-z0-9+/=]+)'").matcher(policy);
    assertThat(nonce.find()).isTrue();
    assertThat(html).contains("<script nonce=\"" + nonce.group(1) + "\">");
    assertThat(policy).contains("default-src 'none'", "media-src 'self'");
  }

  @Test
  void theSwarmOfATrackBeingPlayedTellsItsSourcesAndItsChunks() throws Exception {
    int read = 300_000;
    assertThat(get("tracks/" + songId, "Range", "bytes=0-" + (read - 1)).statusCode()).isEqualTo(206);

    HttpResponse<byte[]> r = get("tracks/" + songId + "/swarm");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    String json = new String(r.body(), StandardCharsets.US_ASCII);
    assertThat(json).startsWith("{\"open\":true,\"title\":\"Morning Over Lisbon\","
        + "\"artist\":\"The Paper Lanterns\",\"length\":" + song.length + ",\"chunkSize\":16384,");
    String chunks = string(json, "chunks");
    assertThat(chunks).as("one character a chunk").hasSize((song.length + 16_383) / 16_384)
        .matches("[.~a-zA-Z]*");
    assertThat(chunks.substring(0, (read + 16_383) / 16_384)).as("the chunks read")
        .matches("[a-zA-Z]+");
    assertThat(json).contains("\"peer\":\"" + sharer.id() + "\"");
    Matcher source = Pattern.compile("\\{\"peer\":\"[1-9A-HJ-NP-Za-km-z]+\",\"transport\":\"(udp|grpc)\","
        + "\"bytes\":(\\d+),\"chunks\":(\\d+),\"rateBytesPerSecond\":\\d+,\"rttMs\":\\d+,"
        + "\"active\":(true|false),\"bad\":0}").matcher(json);
    long bytes = 0;
    int sources = 0;
    while (source.find()) {
      sources++;
      bytes += Long.parseLong(source.group(2));
    }
    assertThat(sources).as("sources in " + json).isPositive();
    assertThat(bytes).as("bytes the sources delivered").isGreaterThanOrEqualTo(read);
    // Every letter names a listed source (a to y, or z for one past them).
    for (char c : chunks.toCharArray()) {
      if (Character.isLetter(c) && Character.toLowerCase(c) != 'z') {
        assertThat(Character.toLowerCase(c) - 'a').as("source of " + c).isLessThan(sources);
      }
    }
    assertThat(json).containsPattern("\"stats\":\\{\"timeToFirstByteMs\":\\d+,\"stalls\":\\d+,"
        + "\"stalledMs\":\\d+,\"verifiedBytes\":\\d+,\"redundantBytes\":\\d+,\"rejectedChunks\":0}}$");
  }

  @Test
  void theSwarmOfATrackWithNoSessionIs404AndOfNoTrackIdA400() throws Exception {
    byte[] random = new byte[32];
    new SplittableRandom(5).nextBytes(random);
    HttpResponse<byte[]> none = get("tracks/" + TrackId.fromBytes(random) + "/swarm");
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(new String(none.body(), StandardCharsets.US_ASCII)).startsWith("{\"error\":");
    assertThat(get("tracks/swarm").statusCode()).isEqualTo(400);
    assertThat(get("tracks//swarm").statusCode()).isEqualTo(400);
    assertThat(get("tracks/abc/swarm").statusCode()).isEqualTo(400);
    assertThat(get("tracks/" + songId + "/swarm/").statusCode()).isEqualTo(400);
    HttpResponse<byte[]> post = http.send(request("tracks/" + songId + "/swarm")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void theSwarmOfATrackWhoseSessionsClosedIsItsLastState() throws Exception {
    try (Gateway fresh = Gateway.builder(listener).start()) {
      fresh.addTrack(sharer.catalog().search(SONG.title(), 1).get(0).track());
      HttpRequest.Builder swarm = HttpRequest.newBuilder(fresh.url().resolve("/tracks/" + songId + "/swarm"))
          .timeout(Duration.ofSeconds(20));
      assertThat(http.send(swarm.build(), HttpResponse.BodyHandlers.discarding()).statusCode())
          .isEqualTo(404);
      HttpResponse<byte[]> whole = http.send(HttpRequest.newBuilder(fresh.trackUrl(songId))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(whole.body()).isEqualTo(song);
      // Long after: idle sessions are closed, and so is one still lent, as stalled.
      fresh.sweepSessions(System.nanoTime() + TimeUnit.HOURS.toNanos(1));

      String json = http.send(swarm.build(), HttpResponse.BodyHandlers.ofString()).body();

      assertThat(json).startsWith("{\"open\":false,");
      assertThat(string(json, "chunks")).as("every chunk played").matches("[A-Z]+");
    }
  }

  @Test
  void keepsFewSessionsOpenAfterManyRequests() throws Exception {
    for (int i = 0; i < 20; i++) {
      get("tracks/" + songId, "Range", "bytes=" + (i * 40_000) + "-" + (i * 40_000 + 9));
    }
    assertThat(gateway.openSessions()).isLessThanOrEqualTo(2);
  }

  // ---------------------------------------------------------------------------------------------

  private void assertSlice(String range, int first, int last) throws Exception {
    HttpResponse<byte[]> r = get("tracks/" + songId, "Range", range);
    assertThat(r.statusCode()).as(range).isEqualTo(206);
    assertThat(r.headers().firstValue("Content-Range")).as(range)
        .hasValue("bytes " + first + "-" + last + "/" + song.length);
    assertThat(r.headers().firstValue("Content-Length")).as(range)
        .hasValue(Integer.toString(last - first + 1));
    assertThat(r.body()).as(range).isEqualTo(Arrays.copyOfRange(song, first, last + 1));
  }

  /** The value of the first string field {@code name} in {@code json}. */
  private static String string(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
    assertThat(m.find()).as(name + " in " + json).isTrue();
    return m.group(1);
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(gateway.url().resolve("/" + path)).timeout(Duration.ofSeconds(20));
  }

  private static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = request(path);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Sends bytes exactly as given and reads until the server closes or 64 KiB arrived. */
  private static String raw(String request) throws IOException {
    InetSocketAddress at = gateway.address();
    try (Socket s = new Socket(at.getAddress(), at.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException e) {
        // The server may close before reading a huge request; what it said is still readable.
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; got.size() < 65_536 && (n = in.read(buf)) > 0; ) {
          got.write(buf, 0, n);
          if (got.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")
              && complete(got.toString(StandardCharsets.ISO_8859_1))) {
            break;
          }
        }
      } catch (IOException e) {
        // reset by the server
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** {@code n} header lines of distinct names. */
  private static String headers(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("X-Header-").append(i).append(": 1\r\n");
    }
    return b.toString();
  }

  /** Whether the peer closed (or reset) the connection before the socket's read timeout. */
  private static boolean closedByPeer(Socket s) throws IOException {
    try {
      return s.getInputStream().read() < 0;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  private static boolean complete(String response) {
    Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(response);
    int headerEnd = response.indexOf("\r\n\r\n") + 4;
    return m.find() && response.length() - headerEnd >= Integer.parseInt(m.group(1));
  }

  private static int status(String response) {
    assertThat(response).startsWith("HTTP/1.1 ");
    return Integer.parseInt(response.substring(9, 12));
  }
}
