package com.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class TwoPeersTest {
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void theListenerFindsTheSongAndPlaysEveryByteOfIt(@TempDir Path dir) throws Exception {
    TwoPeers.Outcome o = TwoPeers.run(dir);

    assertArrayEquals(o.shared(), o.played());
    assertEquals(1, o.sharer().sessionsServed());
    assertEquals(3, o.sharerEvents().size(), "events: " + o.sharerEvents());
    assertEquals("catalog ready: 1 added", o.sharerEvents().get(0));
    assertTrue(o.sharerEvents().get(1).startsWith("serving "), "events: " + o.sharerEvents());
    assertTrue(o.sharerEvents().get(2).startsWith("served "), "events: " + o.sharerEvents());
    assertTrue(o.sentBytesCounted() >= o.shared().length,
        "the sharer's Micrometer counter saw the bytes it sent: " + o.sentBytesCounted());
  }
}
