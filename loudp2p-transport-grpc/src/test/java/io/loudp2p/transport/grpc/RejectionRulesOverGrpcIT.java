package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.loudp2p.Peer;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.ManifestRequest;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.Envelopes;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import io.loudp2p.transport.grpc.testing.TestTls;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A running peer applies PROTOCOL.md's rejection rules over gRPC in their order, and every status
 * it answers names the rule that failed: forged and odd requests sent as a client in another
 * language would send them, with the stub generated from {@code service.proto}.
 */
class RejectionRulesOverGrpcIT {
  private static final Random random = new Random(17);
  private static Peer peer;
  private static ManagedChannel channel;
  private static Loudp2pGrpc.Loudp2pBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    peer = Peer.builder().build().start();
    InetSocketAddress to = peer.listenAddresses().get(0);
    channel = TestTls.builder(to).build();
    stub = Loudp2pGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    peer.close();
  }

  private static Loudp2pGrpc.Loudp2pBlockingStub stub() {
    return stub.withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @Test
  void aRandomSignatureOverAnUnparseablePayloadIsABadSignature() {
    Identity me = Identity.generate();
    Envelope forged = Envelope.newBuilder().setPayload(ByteString.copyFrom(new byte[] {(byte) 0xff}))
        .setSignerPublicKey(ByteString.copyFrom(me.publicKey()))
        .setSignature(ByteString.copyFrom(bytes(64))).build();

    assertStatus(() -> stub().exchangePeers(forged), Status.Code.UNAUTHENTICATED, "BAD_SIGNATURE");
    assertStatus(() -> stub().search(forged).hasNext(), Status.Code.UNAUTHENTICATED,
        "BAD_SIGNATURE");
  }

  @Test
  void aBadPublicKeyOnAnUnparseablePayloadIsABadPublicKey() {
    byte[] key = Identity.generate().publicKey();
    key[0] = 0x04;
    Envelope forged = Envelope.newBuilder().setPayload(ByteString.copyFrom(new byte[] {(byte) 0xff}))
        .setSignerPublicKey(ByteString.copyFrom(key))
        .setSignature(ByteString.copyFrom(bytes(64))).build();

    assertStatus(() -> stub().getManifest(forged), Status.Code.UNAUTHENTICATED, "BAD_PUBLIC_KEY");
  }

  @Test
  void aMissingBodyWithABadSignatureIsABadSignature() {
    Identity me = Identity.generate();
    Payload noBody = Payload.newBuilder()
        .setSenderPeerId(ByteString.copyFrom(me.peerId().bytes()))
        .setTimestampMs(System.currentTimeMillis())
        .setNonce(ByteString.copyFrom(bytes(16))).build();
    Envelope forged = Envelope.newBuilder().setPayload(noBody.toByteString())
        .setSignerPublicKey(ByteString.copyFrom(me.publicKey()))
        .setSignature(ByteString.copyFrom(bytes(64))).build();

    assertStatus(() -> stub().shuffle(forged), Status.Code.UNAUTHENTICATED, "BAD_SIGNATURE");
  }

  @Test
  void anEmptyRequestHasABadPublicKey() {
    Envelope empty = Envelope.getDefaultInstance();
    assertThat(empty.toByteArray()).isEmpty();

    assertStatus(() -> stub().exchangePeers(empty), Status.Code.UNAUTHENTICATED, "BAD_PUBLIC_KEY");
  }

  @Test
  void anOversizedEnvelopeIsTooLarge() {
    // Over the 1 MiB limit and within what the server reads to say so.
    Envelope huge = new EnvelopeSealer(Identity.generate()).seal(Payload.newBuilder()
        .setSearchQuery(SearchQuery.newBuilder().addTerms("x".repeat(1_100_000))));

    assertStatus(() -> stub().search(huge).hasNext(), Status.Code.RESOURCE_EXHAUSTED, "TOO_LARGE");
  }

  @Test
  void aBodyOfAnotherMethodIsRefusedAfterItsSignatureAndUsesUpNothing() throws Exception {
    Envelope hello = new EnvelopeSealer(Identity.generate())
        .seal(Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance()));

    assertStatus(() -> stub().getManifest(hello), Status.Code.INVALID_ARGUMENT, "WRONG_METHOD");
    assertStatus(() -> stub().search(hello).hasNext(), Status.Code.INVALID_ARGUMENT,
        "WRONG_METHOD");
    // The same envelope on its own method: not a replay, since the refusal used up nothing.
    assertThat(stub().exchangePeers(hello).getPayload()).isNotEmpty();

    // The body check comes after the signature: a forged one is a bad signature.
    Envelope forged = hello.toBuilder().setSignature(ByteString.copyFrom(bytes(64))).build();
    assertStatus(() -> stub().getManifest(forged), Status.Code.UNAUTHENTICATED, "BAD_SIGNATURE");
  }

  @Test
  void aShortNonceIsAMalformedPayloadBeforeTheSenderIsChecked() throws Exception {
    Identity me = Identity.generate();
    Payload payload = Payload.newBuilder()
        .setSenderPeerId(ByteString.copyFrom(Identity.generate().peerId().bytes()))
        .setTimestampMs(System.currentTimeMillis())
        .setNonce(ByteString.copyFrom(bytes(8)))
        .setManifestRequest(ManifestRequest.newBuilder().setTrackId(ByteString.copyFrom(bytes(32))))
        .build();

    assertStatus(() -> stub().getManifest(signed(me, payload.toByteArray())),
        Status.Code.INVALID_ARGUMENT, "MALFORMED_PAYLOAD");
  }

  @Test
  void aValidSignatureOverAnUnparseablePayloadIsAMalformedPayload() throws Exception {
    Envelope signed = signed(Identity.generate(), new byte[] {(byte) 0xff});

    assertStatus(() -> stub().exchangePeers(signed), Status.Code.INVALID_ARGUMENT,
        "MALFORMED_PAYLOAD");
  }

  private static Envelope signed(Identity signer, byte[] payload) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(Envelopes.MESSAGE_DOMAIN.getBytes(StandardCharsets.US_ASCII));
    return Envelope.newBuilder().setPayload(ByteString.copyFrom(payload))
        .setSignerPublicKey(ByteString.copyFrom(signer.publicKey()))
        .setSignature(ByteString.copyFrom(signer.signDigest(sha.digest(payload)))).build();
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static void assertStatus(Executable call, Status.Code code, String rule) {
    assertThatThrownBy(call::execute).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).as("the description names the rule")
          .startsWith(rule + ":");
    });
  }
}
