package io.loudp2p.core.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeywordSummaryTest {
  private final KeywordSummary summary =
      KeywordSummary.of(List.of("Svefn-g-englar Sigur Rós Ágætis byrjun"));

  @Test
  void matchesTermsThatStartAWordIgnoringCaseAndAccents() {
    assertThat(summary.mayMatch(List.of("sigur", "ros"))).isTrue();
    assertThat(summary.mayMatch(List.of("AGÆTIS"))).isTrue();
    assertThat(summary.mayMatch(List.of("byrj"))).isTrue();
    assertThat(summary.mayMatch(List.of("svefnganglar-and-more-letters"))).isFalse();
    assertThat(summary.mayMatch(List.of("radiohead"))).isFalse();
  }

  @Test
  void shortTermsCannotBeRuledOut() {
    assertThat(summary.mayMatch(List.of("zz"))).isTrue();
  }

  @Test
  void survivesTheWireAndRefusesBadSizes() {
    KeywordSummary back = KeywordSummary.fromProto(summary.toProto());
    assertThat(back.mayMatch(List.of("sigur"))).isTrue();
    assertThat(back.mayMatch(List.of("radiohead"))).isFalse();
    assertThatThrownBy(() -> KeywordSummary.fromProto(summary.toProto().toBuilder()
        .setBits(ByteString.copyFrom(new byte[48])).build()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KeywordSummary.fromProto(summary.toProto().toBuilder()
        .setHashCount(9).build())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void usesFnv1a64AsSpecified() {
    // FNV-1a 64 of "a", a published test vector.
    assertThat(KeywordSummary.fnv1a("a")).isEqualTo(0xaf63dc4c8601ec8cL);
  }
}
