package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.examples.gateway.ByteRanges.Decision;
import io.loudp2p.examples.gateway.ByteRanges.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangesTest {
  private static final long LENGTH = 1000;

  @ParameterizedTest(name = "{0} -> {1}..{2}")
  @CsvSource(delimiter = '|', value = {
    "bytes=0-0        | 0   | 0",
    "bytes=0-999      | 0   | 999",
    "bytes=0-         | 0   | 999",
    "bytes=10-19      | 10  | 19",
    "bytes=990-5000   | 990 | 999",
    "bytes=999-       | 999 | 999",
    "bytes=-1         | 999 | 999",
    "bytes=-10        | 990 | 999",
    "bytes=-5000      | 0   | 999",
    "bytes=0000010-00020 | 10 | 20",
    "Bytes = 1-2      | 1   | 2",
    "bytes=5-99999999999999999999999999 | 5 | 999",
  })
  void oneRangeIsServedCutToTheLength(String header, long first, long last) {
    assertThat(ByteRanges.decide(header, LENGTH)).isEqualTo(new Decision(Kind.PARTIAL, first, last));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=1000-", "bytes=1000-1001", "bytes=-0", "bytes=99999999999999999999999-",
      "bytes=1000-2000, 5000-", "bytes=-0,1000-"})
  void validRangeSetsOutsideTheTrackAreUnsatisfiable(String header) {
    assertThat(ByteRanges.decide(header, LENGTH).kind()).isEqualTo(Kind.UNSATISFIABLE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=100-50", "bytes=20-10", "bytes=1000-999", "bytes", "bytes=",
      "bytes=,", "bytes=-", "bytes=a-b", "bytes=1-2-3", "bytes=0x1-", "bytes=+1-2", "bytes=1 -2",
      "bytes=0-1,x", "bytes=0-1,20-10", "=0-1", "by tes=0-1", "bytes=1.5-2"})
  void invalidRangeSetsAreIgnoredForTheWholeTrack(String header) {
    assertThat(ByteRanges.decide(header, LENGTH)).isEqualTo(new Decision(Kind.WHOLE, 0, 999));
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=0-1,5-6", "bytes=0-1, 900-", "bytes=0-1,2000-", "items=0-1", "none=x"})
  void severalRangesAndOtherUnitsGetTheWholeTrack(String header) {
    assertThat(ByteRanges.decide(header, LENGTH)).isEqualTo(new Decision(Kind.WHOLE, 0, 999));
  }

  @Test
  void emptyListElementsAreSkipped() {
    assertThat(ByteRanges.decide("bytes=0-1,", LENGTH)).isEqualTo(new Decision(Kind.PARTIAL, 0, 1));
    assertThat(ByteRanges.decide("bytes=, ,-10", LENGTH)).isEqualTo(new Decision(Kind.PARTIAL, 990, 999));
  }

  @Test
  void noHeaderAndAnOverlongOneAreTheWholeTrack() {
    assertThat(ByteRanges.decide(null, LENGTH)).isEqualTo(new Decision(Kind.WHOLE, 0, 999));
    assertThat(ByteRanges.decide("bytes=" + "0".repeat(ByteRanges.MAX_HEADER_LENGTH) + "-", LENGTH))
        .isEqualTo(new Decision(Kind.WHOLE, 0, 999));
  }
}
