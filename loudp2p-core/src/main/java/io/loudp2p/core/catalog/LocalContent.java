package io.loudp2p.core.catalog;

import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.internal.LruMap;
import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.core.proto.v1.TrackMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything this peer can serve: the tracks of its catalog (whole) and of its chunk cache (whole
 * or partial), so that a peer that played a track becomes a source for it.
 *
 * <p>A shared file's manifest is made by hashing it when first asked for, checked against the track
 * ID the catalog recorded (a file changed since the scan is not served until rescanned), and kept
 * in a bounded map. Thread-safe.
 */
public final class LocalContent {
  private static final Logger log = LoggerFactory.getLogger(Loggers.SERVE);
  /** For failures other peers repeat at will, by asking again for the track or its chunks. */
  private static final ThrottledLog throttled = new ThrottledLog(log);

  /** Manifests of shared files kept in memory; each costs 32 bytes per chunk. */
  public static final int MAX_MANIFESTS = 256;

  private final LocalCatalog catalog;
  private final @Nullable ChunkCache cache;
  private final Map<TrackId, Manifest> manifests = new LruMap<>(MAX_MANIFESTS);

  /** Content from a catalog and, when there is one, a chunk cache. */
  public LocalContent(LocalCatalog catalog, @Nullable ChunkCache cache) {
    this.catalog = catalog;
    this.cache = cache;
  }

  /** Which chunks of a track this peer holds: all for a shared file, the cached ones otherwise. */
  public BitSet availability(TrackId id) {
    Optional<Manifest> m = sharedManifest(id);
    if (m.isPresent()) {
      BitSet all = new BitSet(m.get().chunkCount());
      all.set(0, m.get().chunkCount());
      return all;
    }
    return cache == null ? new BitSet() : cache.availability(id);
  }

  /** Whether the track is a file this peer shares (not merely cached). */
  public boolean shares(TrackId id) {
    return catalog.fileOf(id).isPresent();
  }

  /** Whether this peer holds any of the track. */
  public boolean has(TrackId id) {
    return catalog.fileOf(id).isPresent() || !availability(id).isEmpty();
  }

  /** The manifest of a track this peer holds, or empty. */
  public Optional<Manifest> manifest(TrackId id) {
    Optional<Manifest> shared = sharedManifest(id);
    if (shared.isPresent()) {
      return shared;
    }
    return cache == null ? Optional.empty() : Optional.ofNullable(cache.manifest(id));
  }

  private Optional<Manifest> sharedManifest(TrackId id) {
    synchronized (manifests) {
      Manifest known = manifests.get(id);
      if (known != null) {
        return Optional.of(known);
      }
    }
    Optional<LocalCatalog.LocalFile> file = catalog.fileOf(id);
    Optional<Track> track = catalog.track(id);
    if (file.isEmpty() || track.isEmpty()) {
      return Optional.empty();
    }
    Manifest manifest;
    try {
      manifest = Manifest.ofFile(file.get().path(), metadata(track.get().info()));
    } catch (IOException e) {
      throttled.warn("cannot read shared file {}: {}", file.get().path(), e.toString());
      return Optional.empty();
    }
    if (!manifest.trackId().equals(id)) {
      throttled.warn("shared file {} changed since it was scanned; not serving it until a rescan",
          file.get().path());
      return Optional.empty();
    }
    synchronized (manifests) {
      manifests.put(id, manifest);
    }
    return Optional.of(manifest);
  }

  /** A reader of one track's chunks for one session (not thread-safe; one per session). */
  public Optional<Reader> reader(TrackId id) {
    return manifest(id).map(m -> new Reader(id, m));
  }

  /** The wire form of a catalog track's metadata. */
  public static TrackMetadata metadata(TrackInfo info) {
    return TrackMetadata.newBuilder()
        .setTitle(info.title())
        .setArtist(info.artist())
        .setAlbum(info.album())
        .setTrackNumber(Math.max(0, info.trackNumber()))
        .setDurationMs(Math.max(0, info.duration().toMillis()))
        .setCodec(info.codec())
        .setBitrateKbps(Math.max(0, info.bitrateKbps()))
        .setSampleRateHz(Math.max(0, info.sampleRateHz()))
        .setMediaType(info.mediaType())
        .build();
  }

  /**
   * Reads the chunks of one track, each read (and, from the cache, verified) once and then served
   * piece by piece from memory, as a data transport asks for them.
   */
  public final class Reader implements AutoCloseable {
    private final TrackId id;
    private final Manifest manifest;
    private final byte[] chunk = new byte[Manifest.CHUNK_SIZE];
    private int loaded = -1;
    private int loadedLength;
    private @Nullable FileChannel file;

    private Reader(TrackId id, Manifest manifest) {
      this.id = id;
      this.manifest = manifest;
    }

    /** The track's manifest. */
    public Manifest manifest() {
      return manifest;
    }

    /** The length of chunk {@code index}, or -1 when this peer cannot serve it. */
    public int chunkLength(int index) {
      if (index < 0 || index >= manifest.chunkCount()) {
        return -1;
      }
      return load(index) ? loadedLength : -1;
    }

    /**
     * Copies {@code dst.remaining()} bytes of chunk {@code index} from {@code offset}.
     *
     * @throws IllegalStateException when the chunk cannot be served (check {@link #chunkLength})
     */
    public void read(int index, int offset, ByteBuffer dst) {
      if (!load(index) || offset < 0 || offset + dst.remaining() > loadedLength) {
        throw new IllegalStateException("chunk " + index + " of " + id + " cannot be served");
      }
      dst.put(chunk, offset, dst.remaining());
    }

    private boolean load(int index) {
      if (index == loaded) {
        return true;
      }
      loaded = -1;
      try {
        Optional<LocalCatalog.LocalFile> shared = catalog.fileOf(id);
        if (shared.isPresent()) {
          if (file == null) {
            file = FileChannel.open(shared.get().path(), StandardOpenOption.READ);
          }
          int length = manifest.chunkLength(index);
          ByteBuffer buf = ByteBuffer.wrap(chunk, 0, length);
          long position = manifest.chunkOffset(index);
          while (buf.hasRemaining()) {
            int n = file.read(buf, position);
            if (n < 0) {
              return false;
            }
            position += n;
          }
          loadedLength = length;
        } else if (cache != null) {
          int length = cache.readChunk(id, index, chunk, 0);
          if (length < 0) {
            return false;
          }
          loadedLength = length;
        } else {
          return false;
        }
        loaded = index;
        return true;
      } catch (IOException e) {
        throttled.warn("cannot read chunk {} of {}: {}", index, id, e.toString());
        return false;
      }
    }

    @Override
    public void close() {
      if (file != null) {
        try {
          file.close();
        } catch (IOException e) {
          log.debug("closing a shared file", e);
        }
        file = null;
      }
    }
  }
}
