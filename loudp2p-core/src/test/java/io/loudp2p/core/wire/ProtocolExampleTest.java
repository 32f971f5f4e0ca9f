package io.loudp2p.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchQuery;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Recomputes the worked example of PROTOCOL.md and checks that the document shows exactly these
 * bytes, so that the specification and the code cannot drift apart.
 */
public class ProtocolExampleTest {
  static final HexFormat HEX = HexFormat.of();
  static final long TIMESTAMP_MS = 1_790_000_000_000L;

  /** The example, computed: name to value, in the order PROTOCOL.md lists them. */
  static Map<String, String> compute() throws Exception {
    byte[] secret = new byte[32];
    for (int i = 0; i < 32; i++) {
      secret[i] = (byte) (i + 1);
    }
    Identity identity = Identity.fromPrivateKey(secret);
    byte[] queryId = new byte[16];
    byte[] nonce = new byte[16];
    for (int i = 0; i < 16; i++) {
      queryId[i] = (byte) i;
      nonce[i] = (byte) (0xa0 + i);
    }
    Random fixedNonce = new Random() {
      private static final long serialVersionUID = 1L;

      @Override
      public void nextBytes(byte[] bytes) {
        System.arraycopy(nonce, 0, bytes, 0, bytes.length);
      }
    };
    Clock clock = Clock.fixed(Instant.ofEpochMilli(TIMESTAMP_MS), ZoneOffset.UTC);
    Envelope envelope = new EnvelopeSealer(identity, clock, fixedNonce).seal(
        Payload.newBuilder().setSearchQuery(SearchQuery.newBuilder()
            .setQueryId(ByteString.copyFrom(queryId)).addTerms("sigur").addTerms("ros").setTtl(3)));
    byte[] payload = envelope.getPayload().toByteArray();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(Envelopes.MESSAGE_DOMAIN.getBytes(StandardCharsets.US_ASCII));
    byte[] digest = sha.digest(payload);

    Map<String, String> values = new LinkedHashMap<>();
    values.put("private-key", HEX.formatHex(secret));
    values.put("public-key", HEX.formatHex(identity.publicKey()));
    values.put("peer-id-bytes", HEX.formatHex(identity.peerId().bytes()));
    values.put("peer-id", identity.peerId().toString());
    values.put("payload", HEX.formatHex(payload));
    values.put("signed-digest", HEX.formatHex(digest));
    values.put("signature", HEX.formatHex(envelope.getSignature().toByteArray()));
    values.put("envelope", HEX.formatHex(envelope.toByteArray()));
    return values;
  }

  @Test
  void protocolDocumentShowsExactlyTheBytesTheCodeProduces() throws Exception {
    Map<String, String> computed = compute();
    Map<String, String> documented = documentedExample();

    assertThat(documented).as("the worked example in PROTOCOL.md").isEqualTo(computed);
  }

  @Test
  void workedExampleOpens() throws Exception {
    byte[] wire = HEX.parseHex(compute().get("envelope"));
    EnvelopeOpener opener = EnvelopeOpener.builder()
        .clock(Clock.fixed(Instant.ofEpochMilli(TIMESTAMP_MS), ZoneOffset.UTC)).build();

    SignedMessage message = opener.open(wire);

    assertThat(message.sender().toString()).isEqualTo(compute().get("peer-id"));
    assertThat(message.payload().getSearchQuery().getTermsList()).containsExactly("sigur", "ros");
  }

  /** Reads the {@code name  value} lines of the fenced block that follows "Worked example". */
  static Map<String, String> documentedExample() throws IOException {
    return documented("worked-example");
  }

  /** Reads the {@code name  value} lines of PROTOCOL.md's fenced block {@code ```text NAME}. */
  public static Map<String, String> documented(String block) throws IOException {
    Path doc = Path.of("..", "PROTOCOL.md");
    String text = Files.readString(doc);
    int start = text.indexOf("```text " + block);
    int end = text.indexOf("```", start + 5);
    Map<String, String> values = new LinkedHashMap<>();
    if (start < 0 || end < 0) {
      return values;
    }
    String lines = text.substring(text.indexOf('\n', start) + 1, end);
    String name = null;
    for (String line : lines.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (!line.startsWith(" ")) {
        String[] parts = line.trim().split("\\s+", 2);
        name = parts[0];
        values.put(name, parts.length > 1 ? parts[1].trim() : "");
      } else if (name != null) {
        values.merge(name, line.trim(), String::concat); // continuation of a long hex value
      }
    }
    return values;
  }

  /** Prints the example in the layout PROTOCOL.md uses, 64 hex digits a line. */
  public static void main(String[] args) throws Exception {
    print(compute());
  }

  /** Prints {@code values} in the layout PROTOCOL.md's examples use, 64 hex digits a line. */
  public static void print(Map<String, String> values) {
    for (Map.Entry<String, String> e : values.entrySet()) {
      String v = e.getValue();
      System.out.printf("%-14s %s%n", e.getKey(), v.substring(0, Math.min(64, v.length())));
      for (int i = 64; i < v.length(); i += 64) {
        System.out.printf("%-14s %s%n", "", v.substring(i, Math.min(i + 64, v.length())));
      }
    }
  }
}
