package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.proto.v1.TrackMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheSearchTest {
  private static final TrackMetadata HALO = TrackMetadata.newBuilder()
      .setTitle("Halo").setArtist("Beyoncé").setAlbum("I Am... Sasha Fierce").build();

  @Test
  void everyTermMustStartAWordIgnoringCaseAndAccents() {
    assertThat(CacheSearch.matches(HALO, List.of("beyonce"))).isTrue();
    assertThat(CacheSearch.matches(HALO, List.of("BEYO", "sash"))).isTrue();
    assertThat(CacheSearch.matches(HALO, List.of("beyonce", "rihanna"))).isFalse();
    assertThat(CacheSearch.matches(HALO, List.of("eyonce"))).isFalse();
  }

  @Test
  void aOneLetterWordMatchesOnlyAWholeWordAsTheIndexDoes() {
    TrackMetadata song = TrackMetadata.newBuilder().setTitle("A Song").setArtist("Band").build();
    assertThat(CacheSearch.matches(song, List.of("a"))).isTrue();
    assertThat(CacheSearch.matches(song, List.of("s"))).isFalse();
    assertThat(CacheSearch.matches(HALO, List.of("b"))).isFalse();
  }
}
