package io.loudp2p.examples;

import com.google.protobuf.ByteString;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.wire.EnvelopeException;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.RejectReason;
import io.loudp2p.core.wire.SignedMessage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code loudp2p demo}: makes two fresh peers, has one sign a search query and the other check
 * it, and shows what a forged or replayed copy gets.
 */
@Command(name = "demo", description = "Run the local demo.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path home = Files.createTempDirectory("loudp2p-demo");
    Identity alice = Identity.loadOrCreate(home.resolve("alice/identity"));
    Identity bob = Identity.loadOrCreate(home.resolve("bob/identity"));
    out.println("peer alice  " + alice.peerId());
    out.println("peer bob    " + bob.peerId());

    byte[] queryId = new byte[16];
    new SecureRandom().nextBytes(queryId);
    byte[] wire = new EnvelopeSealer(alice)
        .seal(Payload.newBuilder().setSearchQuery(SearchQuery.newBuilder()
            .setQueryId(ByteString.copyFrom(queryId)).addTerms("sigur").addTerms("ros").setTtl(3)))
        .toByteArray();
    out.println("alice signs a search query: " + wire.length + " bytes, "
        + HexFormat.of().formatHex(wire, 0, 24) + "...");

    EnvelopeOpener bobsOpener = EnvelopeOpener.withDefaults();
    SignedMessage opened = bobsOpener.open(wire);
    out.println("bob checks it: from " + opened.sender() + ", terms "
        + opened.payload().getSearchQuery().getTermsList());

    report(out, "the same bytes again", bobsOpener, wire);
    byte[] flipped = wire.clone();
    flipped[30] ^= 1; // inside the signed payload
    report(out, "one bit flipped", bobsOpener, flipped);
    out.println("identity files are kept in " + home);
    return 0;
  }

  private static void report(PrintWriter out, String what, EnvelopeOpener opener, byte[] wire) {
    try {
      opener.open(wire);
      out.println(what + ": accepted");
    } catch (EnvelopeException e) {
      RejectReason reason = e.reason();
      out.println(what + ": rejected, " + reason);
    }
  }
}
