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
  void refusesAFilterTooFullToRouteBy() {
    byte[] ones = new byte[1 << 17];
    java.util.Arrays.fill(ones, (byte) 0xff);
    assertThatThrownBy(() -> KeywordSummary.fromProto(summary.toProto().toBuilder()
        .setBits(ByteString.copyFrom(ones)).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100%");
    assertThat(summary.overfull()).isFalse();
    assertThat(summary.fill()).isBetween(0.001, 0.5);
  }

  @Test
  void aHugeCatalogMakesAnOverfullSummary() {
    java.util.List<String> titles = new java.util.ArrayList<>();
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 30_000; i++) {
      StringBuilder t = new StringBuilder();
      for (int w = 0; w < 4; w++) {
        for (int c = 0; c < 9; c++) {
          t.append((char) ('a' + random.nextInt(26)));
        }
        t.append(' ');
      }
      titles.add(t.toString());
    }
    KeywordSummary big = KeywordSummary.of(titles);
    assertThat(big.sizeBits()).isEqualTo(KeywordSummary.MAX_BITS);
    assertThat(big.overfull()).isTrue();
  }

  @Test
  void usesFnv1a64AsSpecified() {
    // FNV-1a 64 of "a", a published test vector.
    assertThat(KeywordSummary.fnv1a("a")).isEqualTo(0xaf63dc4c8601ec8cL);
  }
}
