package io.loudp2p.examples.gateway;

import io.loudp2p.ChunkMap;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.StreamStats;
import io.loudp2p.Track;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.content.Manifest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A stream session's swarm at one moment, as {@code GET /tracks/{id}/swarm} tells it: the track's
 * chunks as one character each, the sources with what each delivered, and the session's stats.
 *
 * <p>The chunk alphabet, one character per chunk in track order:
 *
 * <ul>
 *   <li>{@code .} missing: not requested yet, or nothing of it arrived;
 *   <li>{@code ~} arriving: part of it is here, the rest on its way;
 *   <li>{@code a} to {@code y}: buffered (verified, not read yet), sent by source 0 to 24 (the
 *       index in {@code sources}); {@code z}: by source 25 or a later one, or by one not known;
 *   <li>{@code A} to {@code Z}: the same for a chunk already played (read past).
 * </ul>
 *
 * <p>A track has at most {@link #MAX_CHARS} characters: beyond that many chunks (a track over 2
 * GiB, which the protocol does not carry) each character stands for several consecutive chunks,
 * shown as the first of them, and {@code chunkSize} grows to the bytes each character stands for.
 * At most {@link #MAX_SOURCES} sources are listed. So the answer stays under about 140 KB.
 *
 * <p>Immutable.
 */
record SwarmSnapshot(long length, int chunkSize, String chunks, List<SourceStats> sources,
    StreamStats stats) {
  /** The protocol's chunk size (PROTOCOL.md): 16 KiB. */
  static final int CHUNK_SIZE = Manifest.CHUNK_SIZE;
  /** The most characters of a chunk string: the chunks of a 2 GiB track. */
  static final int MAX_CHARS = 131_072;
  /** The most sources an answer lists. */
  static final int MAX_SOURCES = 64;
  /** The sources with a letter of their own; later ones share the last letter. */
  private static final int LETTERS = 25;

  /** Takes a snapshot of {@code session} now. */
  static SwarmSnapshot of(StreamSession session) {
    List<SourceStats> sources = session.sources();
    if (sources.size() > MAX_SOURCES) {
      sources = sources.subList(0, MAX_SOURCES);
    }
    ChunkMap map = session.chunks();
    long length = session.length();
    int count = map.count();
    int perChar = Math.max(1, (count + MAX_CHARS - 1) / MAX_CHARS);
    int chunkSize = count == 0 || (length + CHUNK_SIZE - 1) / CHUNK_SIZE == count
        ? CHUNK_SIZE : (int) Math.min(Integer.MAX_VALUE, (length + count - 1) / count);
    StringBuilder chars = new StringBuilder((count + perChar - 1) / perChar);
    for (int i = 0; i < count; i += perChar) {
      chars.append(letter(map.state(i), map.source(i)));
    }
    return new SwarmSnapshot(length, (int) Math.min(Integer.MAX_VALUE, (long) chunkSize * perChar),
        chars.toString(), List.copyOf(sources), session.stats());
  }

  /** The character for a chunk in {@code state} sent by source {@code source} (-1: not known). */
  static char letter(ChunkMap.State state, int source) {
    int offset = source < 0 || source >= LETTERS ? LETTERS : source;
    switch (state) {
      case ARRIVING:
        return '~';
      case BUFFERED:
        return (char) ('a' + offset);
      case PLAYED:
        return (char) ('A' + offset);
      default:
        return '.';
    }
  }

  /**
   * The JSON answer: {@code open} says whether the session still runs (false: its last state
   * before it closed); the track's title and artist are added when {@code track} is known.
   */
  String json(boolean open, Optional<Track> track) {
    Json json = new Json().beginObject().field("open", open);
    if (track.isPresent()) {
      TrackInfo info = track.get().info();
      json.field("title", info.title()).field("artist", info.artist());
    }
    json.field("length", length).field("chunkSize", chunkSize).field("chunks", chunks)
        .beginArray("sources");
    for (SourceStats s : sources) {
      json.beginObject()
          .field("peer", s.peer().toString())
          .field("transport", s.transport())
          .field("bytes", s.bytes())
          .field("chunks", s.chunks())
          .field("rateBytesPerSecond", s.bytesPerSecond())
          .field("rttMs", s.roundTrip().toMillis())
          .field("active", s.active())
          .field("bad", s.badChunks())
          .endObject();
    }
    Duration ttfb = stats.timeToFirstByte();
    json.endArray().beginObject("stats")
        .field("timeToFirstByteMs", ttfb == null ? -1 : ttfb.toMillis())
        .field("stalls", stats.stalls())
        .field("stalledMs", stats.stalledTime().toMillis())
        .field("verifiedBytes", stats.verifiedBytes())
        .field("redundantBytes", stats.redundantBytes())
        .field("rejectedChunks", stats.rejectedChunks())
        .endObject();
    return json.endObject().toString();
  }
}
