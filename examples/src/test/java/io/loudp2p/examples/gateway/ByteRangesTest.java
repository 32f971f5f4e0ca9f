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
  @ValueSource(strings = {"bytes=1000-", "bytes=1000-1001", "bytes=-0", "bytes=20-10",
      "bytes=99999999999999999999999-"})
  void rangesOutsideTheTrackAreUnsatisfiable(String header) {
    assertThat(ByteRanges.decide(header, LENGTH).kind()).isEqualTo(Kind.UNSATISFIABLE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=1-2-3", "bytes=0x1-",
      "bytes=+1-2", "bytes=1 -2", "bytes=0-1,", "bytes=0-1,x", "=0-1", "by tes=0-1", "bytes=1.5-2"})
  void badSyntaxIsMalformed(String header) {
    assertThat(ByteRanges.decide(header, LENGTH).kind()).isEqualTo(Kind.MALFORMED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=0-1,5-6", "bytes=0-1, 900-", "items=0-1", "none=x"})
  void severalRangesAndOtherUnitsGetTheWholeTrack(String header) {
    assertThat(ByteRanges.decide(header, LENGTH)).isEqualTo(new Decision(Kind.WHOLE, 0, 999));
  }

  @Test
  void noHeaderIsTheWholeTrackAndAnOverlongOneIsMalformed() {
    assertThat(ByteRanges.decide(null, LENGTH)).isEqualTo(new Decision(Kind.WHOLE, 0, 999));
    assertThat(ByteRanges.decide("bytes=" + "0".repeat(2000) + "-", LENGTH).kind())
        .isEqualTo(Kind.MALFORMED);
  }
}
