package io.loudp2p.core.catalog.internal;

import io.loudp2p.TrackInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jaudiotagger.audio.AudioFile;
import org.jaudiotagger.audio.AudioFileIO;
import org.jaudiotagger.audio.AudioHeader;
import org.jaudiotagger.tag.FieldKey;
import org.jaudiotagger.tag.Tag;

/**
 * Reads the metadata of an audio file: MP3, FLAC, Ogg Vorbis and WAV through jaudiotagger, Ogg
 * Opus with its own parser.
 *
 * <p>jaudiotagger trusts the lengths files declare (a Vorbis comment claiming a 2 GB vendor string
 * makes it allocate 2 GB), so every file first passes a structural check here that walks the tag
 * and chunk headers and refuses declared lengths beyond the file or beyond {@link #MAX_TAG_BYTES}.
 * Only then is jaudiotagger given the file.
 *
 * <p>Stateless and thread-safe.
 */
public final class AudioProbe {
  /** The largest tag, metadata block or non-audio chunk accepted, in bytes. */
  public static final int MAX_TAG_BYTES = 16 * 1024 * 1024;

  /** The most FLAC metadata blocks or RIFF chunks walked in one file. */
  public static final int MAX_BLOCKS = 1024;

  /** Text fields longer than this many characters are cut. */
  public static final int MAX_TEXT_LENGTH = 512;

  /** Track numbers above this are taken as unknown. */
  public static final int MAX_TRACK_NUMBER = 9999;

  /** How far into an MP3's audio the first frame may be. */
  public static final int MPEG_SEARCH_BYTES = 128 * 1024;

  /** How many consecutive MPEG frames make an MP3 file believable. */
  public static final int MPEG_FRAMES_REQUIRED = 4;

  private static final int OPUS_RATE = 48_000;

  /** Kept so the logger (and the level set on it) is not collected. */
  private static final Logger JAUDIOTAGGER_LOG = Logger.getLogger("org.jaudiotagger");

  static {
    JAUDIOTAGGER_LOG.setLevel(Level.OFF);
  }

  /**
   * The wire name of a codec name as an older catalog may have stored it ({@code "FLAC"}, {@code
   * "PCM"}, {@code "Vorbis"}, ...); other names pass unchanged.
   */
  public static String canonicalCodec(String stored) {
    switch (stored) {
      case "MP3":
        return Format.MP3.codec;
      case "FLAC":
        return Format.FLAC.codec;
      case "Vorbis":
        return Format.OGG.codec;
      case "Opus":
        return Format.OPUS.codec;
      case "PCM":
        return Format.WAV.codec;
      default:
        return stored;
    }
  }

  /** The audio formats read, by file extension. */
  public enum Format {
    MP3("mp3", "MP3", "audio/mpeg"),
    FLAC("flac", "FLAC", "audio/flac"),
    OGG("vorbis", "Ogg Vorbis", "audio/ogg"),
    OPUS("opus", "Opus", "audio/ogg"),
    WAV("wav", "WAV", "audio/wav");

    /** The codec's name in {@code TrackMetadata.codec}, as {@code wire.proto} lists them. */
    final String codec;
    /** The format's name for people, in messages. */
    final String label;
    final String mediaType;

    Format(String codec, String label, String mediaType) {
      this.codec = codec;
      this.label = label;
      this.mediaType = mediaType;
    }

    /** The format a file name's extension names, if any. */
    public static Optional<Format> ofFileName(String name) {
      int dot = name.lastIndexOf('.');
      if (dot < 0) {
        return Optional.empty();
      }
      switch (name.substring(dot + 1).toLowerCase(Locale.ROOT)) {
        case "mp3":
          return Optional.of(MP3);
        case "flac":
          return Optional.of(FLAC);
        case "ogg":
        case "oga":
          return Optional.of(OGG);
        case "opus":
          return Optional.of(OPUS);
        case "wav":
          return Optional.of(WAV);
        default:
          return Optional.empty();
      }
    }
  }

  private AudioProbe() {}

  /**
   * Reads the metadata of {@code file}, {@code size} bytes long.
   *
   * @throws UnreadableFileException when the file is not audio of its format, or is hostile
   * @throws IOException when the file cannot be read
   */
  public static TrackInfo probe(Path file, long size) throws IOException, UnreadableFileException {
    String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    Format format =
        Format.ofFileName(name)
            .orElseThrow(() -> new UnreadableFileException("not an audio file extension"));
    if (size == 0) {
      throw new UnreadableFileException("empty file");
    }
    if (format == Format.OGG || format == Format.OPUS) {
      List<byte[]> first = OggStream.headerPackets(file, 1, MAX_TAG_BYTES);
      if (startsWith(first.get(0), "OpusHead")) {
        return opus(file, name, size);
      }
      if (format == Format.OPUS) {
        throw new UnreadableFileException("no OpusHead packet");
      }
      checkVorbis(file);
    } else {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        if (format == Format.MP3) {
          long audioStart = checkId3v2(ch, size);
          checkMpegFrames(ch, audioStart, size);
        } else if (format == Format.FLAC) {
          checkFlac(ch, size);
        } else {
          checkRiff(ch, size);
        }
      }
    }
    return viaJaudiotagger(file, name, format);
  }

  private static TrackInfo viaJaudiotagger(Path file, String name, Format format)
      throws IOException, UnreadableFileException {
    AudioFile audio;
    try {
      audio =
          format == Format.OGG ? AudioFileIO.readAs(file.toFile(), "ogg") : AudioFileIO.read(file.toFile());
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new UnreadableFileException("unreadable " + format.label + " file: " + describe(e));
    }
    AudioHeader header = audio.getAudioHeader();
    if (header == null) {
      throw new UnreadableFileException("no " + format.label + " audio header");
    }
    Tag tag = audio.getTag();
    TrackInfo.Builder b = TrackInfo.builder(titleOf(field(tag, FieldKey.TITLE), name));
    b.artist(field(tag, FieldKey.ARTIST))
        .album(field(tag, FieldKey.ALBUM))
        .trackNumber(trackNumber(field(tag, FieldKey.TRACK)))
        .codec(format.codec)
        .mediaType(format.mediaType);
    double seconds = header.getPreciseTrackLength();
    if (seconds > 0 && Double.isFinite(seconds)) {
      b.duration(Duration.ofNanos((long) (Math.min(seconds, 1e9) * 1e9)));
    }
    Long bitrate = header.getBitRateAsNumber();
    if (bitrate != null && bitrate > 0 && bitrate < Integer.MAX_VALUE) {
      b.bitrateKbps(bitrate.intValue());
    }
    Integer rate = header.getSampleRateAsNumber();
    if (rate != null && rate > 0) {
      b.sampleRateHz(rate);
    }
    return b.build();
  }

  private static TrackInfo opus(Path file, String name, long size)
      throws IOException, UnreadableFileException {
    List<byte[]> packets = OggStream.headerPackets(file, 2, MAX_TAG_BYTES);
    byte[] head = packets.get(0);
    if (head.length < 19) {
      throw new UnreadableFileException("OpusHead packet of " + head.length + " bytes, expected 19 or more");
    }
    if ((head[8] & 0xF0) != 0) {
      throw new UnreadableFileException("unsupported Opus version " + (head[8] & 0xFF));
    }
    int preSkip = (head[10] & 0xFF) | (head[11] & 0xFF) << 8;
    long inputRate = OggStream.u32(head, 12);
    byte[] tags = packets.get(1);
    if (!startsWith(tags, "OpusTags")) {
      throw new UnreadableFileException("no OpusTags packet after OpusHead");
    }
    Map<String, String> comments = VorbisComments.parse(tags, 8, tags.length);
    TrackInfo.Builder b =
        TrackInfo.builder(titleOf(comments.getOrDefault("TITLE", ""), name))
            .artist(clean(comments.getOrDefault("ARTIST", "")))
            .album(clean(comments.getOrDefault("ALBUM", "")))
            .trackNumber(trackNumber(comments.getOrDefault("TRACKNUMBER", "")))
            .codec(Format.OPUS.codec)
            .mediaType(Format.OPUS.mediaType)
            .sampleRateHz(inputRate > 0 && inputRate <= 768_000 ? (int) inputRate : OPUS_RATE);
    long granule = OggStream.lastGranulePosition(file, OggStream.firstSerial(file));
    long samples = granule - preSkip;
    if (granule > 0 && samples > 0) {
      Duration d = Duration.ofNanos(samples * 1_000_000_000L / OPUS_RATE);
      b.duration(d);
      long kbps = size * 8 * OPUS_RATE / samples / 1000;
      b.bitrateKbps((int) Math.min(kbps, Integer.MAX_VALUE));
    }
    return b.build();
  }

  private static void checkVorbis(Path file) throws IOException, UnreadableFileException {
    List<byte[]> packets = OggStream.headerPackets(file, 2, MAX_TAG_BYTES);
    byte[] ident = packets.get(0);
    byte[] comment = packets.get(1);
    if (ident.length < 30 || ident[0] != 1 || !startsWithAt(ident, 1, "vorbis")) {
      throw new UnreadableFileException("Ogg stream is neither Vorbis nor Opus");
    }
    if (comment.length < 7 || comment[0] != 3 || !startsWithAt(comment, 1, "vorbis")) {
      throw new UnreadableFileException("no Vorbis comment header");
    }
    VorbisComments.parse(comment, 7, comment.length);
  }

  /** Checks a leading ID3v2 tag, if any; returns where the audio after it starts. */
  private static long checkId3v2(FileChannel file, long size) throws IOException, UnreadableFileException {
    byte[] h = readAt(file, 0, 10);
    if (h.length < 10 || h[0] != 'I' || h[1] != 'D' || h[2] != '3') {
      return 0;
    }
    if (h[3] < 2 || h[3] > 4) {
      throw new UnreadableFileException("unknown ID3v2 version 2." + h[3]);
    }
    long tagSize = 0;
    for (int i = 6; i < 10; i++) {
      if ((h[i] & 0x80) != 0) {
        throw new UnreadableFileException("ID3v2 tag size is not sync-safe");
      }
      tagSize = tagSize << 7 | h[i];
    }
    checkDeclared("ID3v2 tag", tagSize, size - 10);
    if (h[3] >= 3) {
      Id3v2Frames.check(readAt(file, 10, (int) tagSize), h[3], h[5] & 0xFF, MAX_TAG_BYTES);
    }
    boolean footer = h[3] == 4 && (h[5] & 0x10) != 0;
    return 10 + tagSize + (footer ? 10 : 0);
  }

  /**
   * Requires {@link #MPEG_FRAMES_REQUIRED} MPEG audio frames in a row, each header where the one
   * before says it ends, within {@link #MPEG_SEARCH_BYTES} of the start of the audio. jaudiotagger
   * accepts the first plausible sync word, which random bytes contain every few kilobytes.
   */
  private static void checkMpegFrames(FileChannel file, long start, long size)
      throws IOException, UnreadableFileException {
    int window = (int) Math.min(size - start, MPEG_SEARCH_BYTES + MPEG_FRAMES_REQUIRED * 2881L);
    byte[] data = readAt(file, start, Math.max(0, window));
    int searchEnd = Math.min(data.length, MPEG_SEARCH_BYTES);
    for (int i = 0; i + 4 <= searchEnd; i++) {
      int first = MpegFrame.length(data, i);
      if (first <= 0) {
        continue;
      }
      int pos = i;
      int frames = 0;
      int kind = MpegFrame.kind(data, i);
      while (frames < MPEG_FRAMES_REQUIRED) {
        int length = pos + 4 <= data.length ? MpegFrame.length(data, pos) : -1;
        if (length <= 0 || MpegFrame.kind(data, pos) != kind) {
          break;
        }
        frames++;
        pos += length;
        if (start + pos == size) {
          frames = MPEG_FRAMES_REQUIRED;
        }
      }
      if (frames >= MPEG_FRAMES_REQUIRED) {
        return;
      }
    }
    throw new UnreadableFileException(
        "no run of " + MPEG_FRAMES_REQUIRED + " MPEG audio frames in the first "
            + MPEG_SEARCH_BYTES + " bytes of audio");
  }

  private static void checkFlac(FileChannel file, long size) throws IOException, UnreadableFileException {
    long pos = 0;
    byte[] magic = readAt(file, 0, 10);
    if (magic.length >= 10 && magic[0] == 'I' && magic[1] == 'D' && magic[2] == '3') {
      checkId3v2(file, size);
      pos = 10 + ((magic[6] & 0x7FL) << 21 | (magic[7] & 0x7FL) << 14 | (magic[8] & 0x7FL) << 7 | magic[9] & 0x7FL);
      magic = readAt(file, pos, 4);
    }
    if (magic.length < 4 || magic[0] != 'f' || magic[1] != 'L' || magic[2] != 'a' || magic[3] != 'C') {
      throw new UnreadableFileException("no fLaC marker");
    }
    pos += 4;
    for (int blocks = 0; ; blocks++) {
      if (blocks >= MAX_BLOCKS) {
        throw new UnreadableFileException("more than " + MAX_BLOCKS + " FLAC metadata blocks");
      }
      byte[] bh = readAt(file, pos, 4);
      if (bh.length < 4) {
        throw new UnreadableFileException("FLAC metadata truncated");
      }
      boolean last = (bh[0] & 0x80) != 0;
      int type = bh[0] & 0x7F;
      long length = (bh[1] & 0xFFL) << 16 | (bh[2] & 0xFFL) << 8 | bh[3] & 0xFFL;
      pos += 4;
      checkDeclared("FLAC metadata block", length, size - pos);
      if (type == 4 || type == 6) {
        byte[] block = readAt(file, pos, (int) length);
        if (type == 4) {
          VorbisComments.parse(block, 0, block.length);
        } else {
          checkPicture(block);
        }
      }
      pos += length;
      if (last) {
        return;
      }
    }
  }

  private static void checkPicture(byte[] block) throws UnreadableFileException {
    ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.BIG_ENDIAN);
    try {
      b.getInt();
      skipDeclared(b, "FLAC picture MIME type");
      skipDeclared(b, "FLAC picture description");
      b.position(b.position() + 16);
      skipDeclared(b, "FLAC picture data");
    } catch (RuntimeException e) {
      throw new UnreadableFileException("FLAC picture block truncated");
    }
  }

  private static void skipDeclared(ByteBuffer b, String what) throws UnreadableFileException {
    long length = b.getInt() & 0xFFFFFFFFL;
    checkDeclared(what, length, b.remaining());
    b.position(b.position() + (int) length);
  }

  private static void checkRiff(FileChannel file, long size) throws IOException, UnreadableFileException {
    byte[] h = readAt(file, 0, 12);
    if (h.length < 12 || !startsWith(h, "RIFF") || !startsWithAt(h, 8, "WAVE")) {
      throw new UnreadableFileException("no RIFF WAVE header");
    }
    long pos = 12;
    for (int chunks = 0; pos + 8 <= size; chunks++) {
      if (chunks >= MAX_BLOCKS) {
        throw new UnreadableFileException("more than " + MAX_BLOCKS + " RIFF chunks");
      }
      byte[] ch = readAt(file, pos, 8);
      String id = new String(ch, 0, 4, StandardCharsets.ISO_8859_1);
      long length = ByteBuffer.wrap(ch, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
      pos += 8;
      if (length > size - pos) {
        throw new UnreadableFileException(
            "RIFF chunk '" + id + "' declares " + length + " bytes, only " + (size - pos) + " left");
      }
      if (!id.equals("data") && length > MAX_TAG_BYTES) {
        throw new UnreadableFileException(
            "RIFF chunk '" + id + "' of " + length + " bytes, the most accepted is " + MAX_TAG_BYTES);
      }
      if (id.equals("LIST")) {
        checkListItems(readAt(file, pos, (int) length), pos);
      } else if (id.equalsIgnoreCase("id3 ")) {
        byte[] tag = readAt(file, pos, (int) length);
        if (tag.length >= 10 && startsWith(tag, "ID3")) {
          long tagSize = 0;
          for (int i = 6; i < 10; i++) {
            tagSize = tagSize << 7 | (tag[i] & 0x7F);
          }
          checkDeclared("ID3v2 tag in the WAV file", tagSize, tag.length - 10L);
          if (tag[3] >= 3) {
            Id3v2Frames.check(java.util.Arrays.copyOfRange(tag, 10, 10 + (int) tagSize), tag[3],
                tag[5] & 0xFF, MAX_TAG_BYTES);
          }
        }
      }
      pos += length + (length & 1);
    }
  }

  /** Every item of a RIFF LIST chunk must fit inside it: tag libraries allocate what they declare. */
  private static void checkListItems(byte[] list, long offset) throws UnreadableFileException {
    ByteBuffer buf = ByteBuffer.wrap(list).order(ByteOrder.LITTLE_ENDIAN);
    if (buf.remaining() < 4) {
      throw new UnreadableFileException("RIFF LIST chunk at offset " + offset + " is empty");
    }
    buf.position(4); // the list type, such as INFO
    for (int items = 0; buf.remaining() >= 8; items++) {
      if (items >= MAX_BLOCKS) {
        throw new UnreadableFileException("more than " + MAX_BLOCKS + " items in a RIFF LIST chunk");
      }
      buf.position(buf.position() + 4);
      long length = buf.getInt() & 0xFFFFFFFFL;
      if (length > buf.remaining()) {
        throw new UnreadableFileException("RIFF LIST item declares " + length + " bytes, only "
            + buf.remaining() + " left in the list");
      }
      buf.position((int) Math.min(buf.limit(), buf.position() + length + (length & 1)));
    }
  }

  private static void checkDeclared(String what, long declared, long available)
      throws UnreadableFileException {
    if (declared > MAX_TAG_BYTES) {
      throw new UnreadableFileException(
          what + " declares " + declared + " bytes, the most accepted is " + MAX_TAG_BYTES);
    }
    if (declared > available) {
      throw new UnreadableFileException(
          what + " declares " + declared + " bytes, only " + Math.max(0, available) + " present");
    }
  }

  /** Up to {@code length} bytes at {@code pos}; fewer at the end of the file. */
  private static byte[] readAt(FileChannel ch, long pos, int length) throws IOException {
    int n = (int) Math.max(0, Math.min(length, ch.size() - pos));
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) >= 0) {
      // Positional reads may return short; keep going until full or at the end of the file.
    }
    return buf.position() == n ? buf.array() : Arrays.copyOf(buf.array(), buf.position());
  }

  private static String field(Tag tag, FieldKey key) {
    if (tag == null) {
      return "";
    }
    try {
      return clean(tag.getFirst(key));
    } catch (RuntimeException e) {
      return "";
    }
  }

  static String clean(String text) {
    StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_TEXT_LENGTH));
    for (int i = 0; i < text.length() && sb.length() < MAX_TEXT_LENGTH; i++) {
      char c = text.charAt(i);
      sb.append(Character.isISOControl(c) ? ' ' : c);
    }
    return sb.toString().strip();
  }

  static String titleOf(String tagTitle, String fileName) {
    String title = clean(tagTitle);
    if (!title.isEmpty()) {
      return title;
    }
    int dot = fileName.lastIndexOf('.');
    String base = clean(dot > 0 ? fileName.substring(0, dot) : fileName);
    return base.isEmpty() ? clean(fileName).isEmpty() ? "untitled" : clean(fileName) : base;
  }

  static int trackNumber(String text) {
    String t = text.strip();
    int end = 0;
    while (end < t.length() && end < 5 && Character.isDigit(t.charAt(end))) {
      end++;
    }
    if (end == 0 || end == 5) {
      return 0;
    }
    int n = Integer.parseInt(t.substring(0, end));
    return n <= MAX_TRACK_NUMBER ? n : 0;
  }

  private static boolean startsWith(byte[] data, String ascii) {
    return startsWithAt(data, 0, ascii);
  }

  private static boolean startsWithAt(byte[] data, int offset, String ascii) {
    if (data.length < offset + ascii.length()) {
      return false;
    }
    for (int i = 0; i < ascii.length(); i++) {
      if (data[offset + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    String text = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    return text.length() > 200 ? text.substring(0, 200) : text;
  }
}
