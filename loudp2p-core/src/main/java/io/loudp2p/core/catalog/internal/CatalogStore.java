package io.loudp2p.core.catalog.internal;

import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.internal.Loggers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and loads the catalog: its folders and, per file, path, size, modification time and track.
 *
 * <p>Format (big-endian, {@link DataOutputStream}): magic {@code "LPCT"}, version, folder count and
 * folders, entry count and entries, then a CRC-32C of everything before it. Strings are a length
 * and UTF-8 bytes. Saving writes a temporary file in the same folder, forces it to disk and renames
 * it over the old one atomically, so a crash leaves either the old catalog or the new one. A
 * missing, corrupt, truncated or foreign file loads as nothing (with one warning) and the catalog
 * is rebuilt by scanning.
 *
 * <p>Stateless and thread-safe; callers serialise saves to one file.
 */
public final class CatalogStore {
  /** The first four bytes of a catalog file: {@code "LPCT"}. */
  public static final int MAGIC = 0x4C504354;

  /** The format version written. */
  public static final int VERSION = 1;

  /** The largest catalog file read. */
  public static final long MAX_FILE_BYTES = 1L << 30;

  /** The most folders a catalog file may list. */
  public static final int MAX_FOLDERS = 4096;

  /** The most entries a catalog file may list. */
  public static final int MAX_ENTRIES = 10_000_000;

  /** The longest string in a catalog file, in UTF-8 bytes. */
  public static final int MAX_STRING_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(Loggers.CATALOG);

  private CatalogStore() {}

  /** What a catalog file holds. */
  public record Contents(List<Path> folders, List<CatalogEntry> entries) {
    /** Copies the lists. */
    public Contents {
      folders = List.copyOf(folders);
      entries = List.copyOf(entries);
    }
  }

  /** Writes {@code contents} to {@code file} atomically. */
  public static void save(Path file, Contents contents) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + contents.entries().size() * 200);
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(contents.folders().size());
    for (Path folder : contents.folders()) {
      writeString(out, folder.toString());
    }
    out.writeInt(contents.entries().size());
    for (CatalogEntry e : contents.entries()) {
      writeString(out, e.path().toString());
      out.writeLong(e.size());
      out.writeLong(e.modifiedNs());
      Track t = e.track();
      out.write(t.id().bytes());
      out.writeLong(t.size());
      TrackInfo i = t.info();
      writeString(out, i.title());
      writeString(out, i.artist());
      writeString(out, i.album());
      out.writeInt(i.trackNumber());
      out.writeLong(i.duration().toNanos());
      writeString(out, i.codec());
      out.writeInt(i.bitrateKbps());
      out.writeInt(i.sampleRateHz());
      writeString(out, i.mediaType());
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes.toByteArray());
    out.writeInt((int) crc.getValue());
    out.flush();

    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray());
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    syncDirectory(dir);
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      // Not every platform can open or sync a directory; the rename is already done.
    }
  }

  /**
   * Reads {@code file}; empty when it does not exist or cannot be trusted (then one warning is
   * logged).
   */
  public static Optional<Contents> load(Path file) {
    byte[] data;
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        log.warn("Ignoring catalog file {}: {} bytes, the most read is {}; rescanning", file, size,
            MAX_FILE_BYTES);
        return Optional.empty();
      }
      data = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      log.warn("Cannot read catalog file {}: {}; rescanning", file, e.toString());
      return Optional.empty();
    }
    try {
      return Optional.of(parse(data));
    } catch (IOException | RuntimeException e) {
      log.warn("Ignoring corrupt catalog file {}: {}; rescanning", file, e.getMessage());
      return Optional.empty();
    }
  }

  static Contents parse(byte[] data) throws IOException {
    if (data.length < 12) {
      throw new EOFException("file of " + data.length + " bytes is too short");
    }
    CRC32C crc = new CRC32C();
    crc.update(data, 0, data.length - 4);
    int stored = ByteBuffer.wrap(data, data.length - 4, 4).getInt();
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 0, data.length - 4));
    int magic = in.readInt();
    if (magic != MAGIC) {
      throw new IOException(String.format("not a catalog file (magic %08x)", magic));
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("unsupported catalog version " + version + ", expected " + VERSION);
    }
    if ((int) crc.getValue() != stored) {
      throw new IOException("checksum mismatch");
    }
    int folderCount = count(in.readInt(), MAX_FOLDERS, "folders");
    List<Path> folders = new ArrayList<>(folderCount);
    for (int i = 0; i < folderCount; i++) {
      folders.add(Paths.get(readString(in)));
    }
    int entryCount = count(in.readInt(), MAX_ENTRIES, "entries");
    List<CatalogEntry> entries = new ArrayList<>(Math.min(entryCount, 1 << 16));
    for (int i = 0; i < entryCount; i++) {
      Path path = Paths.get(readString(in));
      long size = in.readLong();
      long modifiedNs = in.readLong();
      byte[] id = new byte[TrackId.LENGTH];
      in.readFully(id);
      long trackSize = in.readLong();
      TrackInfo info =
          TrackInfo.builder(readString(in))
              .artist(readString(in))
              .album(readString(in))
              .trackNumber(in.readInt())
              .duration(Duration.ofNanos(in.readLong()))
              .codec(AudioProbe.canonicalCodec(readString(in)))
              .bitrateKbps(in.readInt())
              .sampleRateHz(in.readInt())
              .mediaType(readString(in))
              .build();
      entries.add(new CatalogEntry(path, size, modifiedNs, new Track(TrackId.fromBytes(id), trackSize, info)));
    }
    if (in.available() != 0) {
      throw new IOException(in.available() + " unexpected bytes after the entries");
    }
    return new Contents(folders, entries);
  }

  private static int count(int n, int max, String what) throws IOException {
    if (n < 0 || n > max) {
      throw new IOException("declares " + n + " " + what + ", the most is " + max);
    }
    return n;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_STRING_BYTES) {
      throw new IOException("string of " + b.length + " bytes, the most stored is " + MAX_STRING_BYTES);
    }
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_STRING_BYTES || n > in.available()) {
      throw new IOException("string declares " + n + " bytes, " + in.available() + " left");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
