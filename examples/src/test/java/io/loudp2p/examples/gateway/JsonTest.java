package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void escapesEverythingThatCouldBreakOutOfAStringOrAPage() {
    String json = new Json().beginObject()
        .field("s", "a\"b\\c\n\r\t\u0001</script>&\u2028é😀\ud800")
        .field("n", 42L)
        .field("x", Double.NaN)
        .beginArray("list").value("one").value("two").endArray()
        .beginArray("empty").endArray()
        .endObject()
        .toString();

    assertThat(json).isEqualTo("{\"s\":\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u003c/script\\u003e\\u0026"
        + "\\u2028\\u00e9\\ud83d\\ude00\\ud800\",\"n\":42,\"x\":null,"
        + "\"list\":[\"one\",\"two\"],\"empty\":[]}");
    assertThat(json.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).isTrue();
  }

  @Test
  void nestsObjectsInArrays() {
    String json = new Json().beginObject().beginArray("a")
        .beginObject().field("i", 1L).endObject()
        .beginObject().field("i", 2L).endObject()
        .endArray().endObject().toString();

    assertThat(json).isEqualTo("{\"a\":[{\"i\":1},{\"i\":2}]}");
    assertThat(Json.error("no")).isEqualTo("{\"error\":\"no\"}");
  }
}
