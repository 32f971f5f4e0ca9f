package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.loudp2p.Peer;
import io.loudp2p.Track;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchHits;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.testing.Bytes;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import io.loudp2p.transport.grpc.testing.TestTls;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every request a peer may be sent by PROTOCOL.md gets an answer, and every other one its
 * documented status, from a real peer over gRPC: a client that fills the limits the document
 * gives (16 terms, 64 characters a term, any unsigned {@code max_results}) is not met with
 * INTERNAL, and one that sends more than a limit allows is refused before the peer holds it.
 */
class RequestLimitsOverGrpcIT {
  @TempDir static Path tmp;
  private static Peer sharer;
  private static InetSocketAddress to;
  private static GrpcControlTransport client;
  private static List<String> titleWords;
  private static final Random random = new Random(7);

  @BeforeAll
  static void start() throws Exception {
    Path music = Files.createDirectories(tmp.resolve("music"));
    try (InputStream in = RequestLimitsOverGrpcIT.class.getResourceAsStream("/audio/tagged.flac")) {
      Files.write(music.resolve("tagged.flac"), in.readAllBytes());
    }
    sharer = Peer.builder().share(music).build().start();
    sharer.catalog().ready().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
    to = sharer.listenAddresses().get(0);
    client = new GrpcControlTransport(TestTls.options());
    Track track = sharer.catalog().search("svefn", 1).get(0).track();
    titleWords = io.loudp2p.core.catalog.internal.TextNormalizer.tokens(track.info().title());
    assertThat(titleWords).as("the fixture's title has words to search for").isNotEmpty();
  }

  @AfterAll
  static void stop() {
    client.close();
    sharer.close();
  }

  @Test
  void sixteenTermsAreAnsweredAndSeventeenRefused() throws Exception {
    List<String> terms = new ArrayList<>(titleWords);
    for (int i = terms.size(); i < 16; i++) {
      terms.add(titleWords.get(0)); // repeated words count once
    }
    assertThat(search(query().addAllTerms(terms))).isNotEmpty();
    // Sixteen distinct words, one of which the track lacks: answered, with no hits.
    List<String> distinct = words(16);
    assertThat(search(query().addAllTerms(distinct))).isEmpty();

    terms.add(titleWords.get(0));
    refused(query().addAllTerms(terms), "1 to 16 terms, not 17");
  }

  @Test
  void aTermOfManyWordsCountsItsWordsAndAnswersUpToSixteen() throws Exception {
    // One term of nine words (the index's former limit was eight words).
    String nine = String.join(" ", words(9));
    assertThat(search(query().addTerms(nine))).isEmpty();
    assertThat(search(query().addTerms(String.join(" ", titleWords)))).isNotEmpty();
    List<String> seventeen = words(17);
    refused(query().addTerms(String.join(" ", seventeen.subList(0, 9)))
            .addTerms(String.join(" ", seventeen.subList(9, 17))),
        "at most 16 distinct words, not 17");
  }

  @Test
  void maxResultsIsReadUnsigned() throws Exception {
    for (int asked : new int[] {0, 1, 50, Integer.MAX_VALUE, Integer.MIN_VALUE, -2, -1}) {
      assertThat(search(query().addTerms(titleWords.get(0)).setMaxResults(asked)))
          .as("max_results %s", Integer.toUnsignedString(asked)).hasSize(1);
    }
  }

  @Test
  void walkersAboveSixteenAreRefusedEvenWhenTheyReadNegativeAsSigned() throws Exception {
    assertThat(search(query().addTerms(titleWords.get(0)).setWalkers(16))).hasSize(1);
    refused(query().addTerms(titleWords.get(0)).setWalkers(17), "at most 16 walkers, not 17");
    refused(query().addTerms(titleWords.get(0)).setWalkers(-1), "not 4294967295");
    // A ttl of 2^32 - 1 is cut to 7, as any ttl over 7 is.
    assertThat(search(query().addTerms(titleWords.get(0)).setTtl(-1))).hasSize(1);
  }

  @Test
  void aTermHasAtMostSixtyFourCodePointsWhateverTheirUtf16Length() throws Exception {
    String emoji = "\uD83C\uDFB5"; // one code point, two UTF-16 units
    assertThat(search(query().addTerms(emoji.repeat(64)))).isEmpty();
    refused(query().addTerms(emoji.repeat(65)), "at most 64 characters, not 65");
    // Sixteen such terms, near the longest the protocol allows: 2,047 UTF-16 units once joined.
    List<String> longest = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      longest.add(emoji.repeat(63) + (char) ('a' + i));
    }
    assertThat(search(query().addAllTerms(longest))).isEmpty();
    refused(query().addTerms("x".repeat(65)), "at most 64 characters, not 65");
  }

  @Test
  void aOneLetterWordMatchesWholeWordsOnly() throws Exception {
    // "Svefn-g-englar": "g" is a word of its own, "s" only starts one.
    assertThat(titleWords).contains("svefn", "g");
    assertThat(search(query().addTerms("s"))).isEmpty();
    assertThat(search(query().addTerms("g"))).hasSize(1);
    assertThat(search(query().addTerms("sv"))).hasSize(1);
  }

  @Test
  void invalidUtf8InATermMakesTheWholePayloadMalformed() throws Exception {
    Identity me = Identity.generate();
    byte[] valid = Payload.newBuilder().setSearchQuery(query().addTerms("zz"))
        .setSenderPeerId(ByteString.copyFrom(me.peerId().bytes()))
        .setTimestampMs(System.currentTimeMillis())
        .setNonce(ByteString.copyFrom(nonce())).build().toByteArray();
    byte[] payload = valid.clone();
    int at = Bytes.find(payload, "zz".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    payload[at] = (byte) 0xC3; // a lead byte followed by 'z': not UTF-8
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update("loudp2p/v1/message\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] envelope = Envelope.newBuilder().setPayload(ByteString.copyFrom(payload))
        .setSignerPublicKey(ByteString.copyFrom(me.publicKey()))
        .setSignature(ByteString.copyFrom(me.signDigest(sha.digest(payload)))).build().toByteArray();
    assertThatThrownBy(() -> client.callStreaming(to, ControlMethod.SEARCH, envelope, Duration.ofSeconds(5), r -> { })
        .get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class, e -> {
          assertThat(e.code()).isEqualTo(ControlErrorCode.MALFORMED);
          assertThat(e.getMessage()).contains("MALFORMED_PAYLOAD");
        });
  }

  @Test
  void aStreamOpenWithAnOversizedKeyIsRefusedBeforeThePeerKeepsIt() throws Exception {
    ByteString track = ByteString.copyFrom(
        sharer.catalog().search("svefn", 1).get(0).track().id().bytes());
    io.loudp2p.core.proto.v1.StreamOpen.Builder open = io.loudp2p.core.proto.v1.StreamOpen.newBuilder()
        .setTrackId(track).setSessionId(ByteString.copyFrom(nonce()))
        .addOfferedTransports(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_GRPC);
    EnvelopeSealer sealer = new EnvelopeSealer(Identity.generate());
    byte[] huge = sealer.seal(Payload.newBuilder().setStreamOpen(open.clone()
        .setEphemeralPublicKey(ByteString.copyFrom(new byte[900_000])))).toByteArray();
    assertThatThrownBy(() -> client.call(to, ControlMethod.OPEN_STREAM, huge, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class, e -> {
          assertThat(e.code()).isEqualTo(ControlErrorCode.MALFORMED);
          assertThat(e.getMessage()).contains("must be empty or have 32 bytes, not 900000");
        });
    // Within the key's length, but padded with a field this version does not know.
    byte[] padded = sealer.seal(Payload.newBuilder().setStreamOpen(open.clone()
        .setEphemeralPublicKey(ByteString.copyFrom(new byte[32]))
        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
            .addField(999, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFrom(new byte[4000])).build()).build())))
        .toByteArray();
    assertThatThrownBy(() -> client.call(to, ControlMethod.OPEN_STREAM, padded, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class, e -> {
          assertThat(e.code()).isEqualTo(ControlErrorCode.MALFORMED);
          assertThat(e.getMessage()).contains("at most 1024 bytes");
        });
    byte[] fine = sealer.seal(Payload.newBuilder().setStreamOpen(open.clone()
        .setEphemeralPublicKey(ByteString.copyFrom(new byte[32])))).toByteArray();
    assertThat(client.call(to, ControlMethod.OPEN_STREAM, fine, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS)).isNotEmpty();
  }

  private static SearchQuery.Builder query() {
    return SearchQuery.newBuilder().setQueryId(ByteString.copyFrom(nonce())).setTtl(0);
  }

  private static byte[] nonce() {
    byte[] b = new byte[16];
    random.nextBytes(b);
    return b;
  }

  /** {@code n} distinct words that no track has. */
  private static List<String> words(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("qx" + (char) ('a' + i) + "zv");
    }
    Collections.shuffle(out, random);
    return out;
  }

  /** The hits of one search; each from a new identity, so no rate limit answers. */
  private static List<io.loudp2p.core.proto.v1.SearchHit> search(SearchQuery.Builder q)
      throws Exception {
    EnvelopeSealer sealer = new EnvelopeSealer(Identity.generate());
    byte[] request = sealer.seal(Payload.newBuilder().setSearchQuery(q)).toByteArray();
    List<io.loudp2p.core.proto.v1.SearchHit> hits = new CopyOnWriteArrayList<>();
    EnvelopeOpener opener = EnvelopeOpener.withDefaults();
    client.callStreaming(to, ControlMethod.SEARCH, request, Duration.ofSeconds(5), answer -> {
      try {
        SearchHits got = opener.open(answer).payload().getSearchHits();
        hits.addAll(got.getHitsList());
      } catch (io.loudp2p.core.wire.EnvelopeException e) {
        throw new AssertionError(e);
      }
    }).get(5, TimeUnit.SECONDS);
    return hits;
  }

  private static void refused(SearchQuery.Builder q, String messagePart) {
    byte[] request = new EnvelopeSealer(Identity.generate())
        .seal(Payload.newBuilder().setSearchQuery(q)).toByteArray();
    assertThatThrownBy(() -> client.callStreaming(to, ControlMethod.SEARCH, request, Duration.ofSeconds(5), r -> { })
        .get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class, e -> {
          assertThat(e.code()).isEqualTo(ControlErrorCode.MALFORMED);
          assertThat(e.getMessage()).contains(messagePart);
        });
  }

}
