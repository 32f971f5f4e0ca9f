package io.loudp2p.core.identity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The identity file: three lines of text, so a person can see what it is.
 *
 * <pre>
 * loudp2p-identity v1
 * secp256k1-private-key 18e14a7b...(64 hex digits)
 * peer-id L...
 * </pre>
 *
 * The peer ID line is redundant on purpose: a file whose key does not give that peer ID is corrupt.
 */
final class IdentityFile {
  static final String MAGIC = "loudp2p-identity v1";
  static final String KEY_PREFIX = "secp256k1-private-key ";
  static final String ID_PREFIX = "peer-id ";
  /** No legitimate identity file is larger; anything bigger is refused before it is read. */
  static final int MAX_FILE_BYTES = 4096;

  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private IdentityFile() {}

  static Identity loadOrCreate(Path file) throws IOException {
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(file)) {
      return load(file);
    }
    Identity created = Identity.generate();
    try {
      write(file, created);
      return created;
    } catch (FileAlreadyExistsException raced) {
      // Another process created it between our check and our rename: theirs wins.
      return load(file);
    }
  }

  static Identity load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IdentityFileException(file, "not a regular file");
    }
    checkOwnerOnly(file);
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new IdentityFileException(
          file, "too large to be an identity file (" + size + " bytes, at most " + MAX_FILE_BYTES + ")");
    }
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (AccessDeniedException e) {
      throw new IdentityFileException(file, "cannot be read (permission denied)");
    }
    String text = new String(raw, StandardCharsets.UTF_8);
    List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    if (lines.isEmpty()) {
      throw new IdentityFileException(file, "empty (truncated?)");
    }
    if (!lines.get(0).equals(MAGIC)) {
      throw new IdentityFileException(
          file, "not a loudp2p identity file (first line should be \"" + MAGIC + "\")");
    }
    if (lines.size() != 3
        || !lines.get(1).startsWith(KEY_PREFIX)
        || !lines.get(2).startsWith(ID_PREFIX)) {
      throw new IdentityFileException(
          file, "truncated or corrupt: expected the lines \"" + KEY_PREFIX.strip() + "\" and \""
              + ID_PREFIX.strip() + "\"");
    }
    String hex = lines.get(1).substring(KEY_PREFIX.length()).strip();
    if (hex.length() != 2 * Identity.PRIVATE_KEY_LENGTH) {
      throw new IdentityFileException(
          file, "corrupt private key: " + hex.length() + " hex digits, expected 64");
    }
    Identity identity;
    try {
      identity = Identity.fromPrivateKey(HexFormat.of().parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new IdentityFileException(file, "corrupt private key: " + e.getMessage());
    }
    String recorded = lines.get(2).substring(ID_PREFIX.length()).strip();
    if (!identity.peerId().toString().equals(recorded)) {
      throw new IdentityFileException(
          file, "corrupt: the private key gives peer ID " + identity.peerId()
              + " but the file records " + recorded);
    }
    return identity;
  }

  static void write(Path file, Identity identity) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    byte[] secret = identity.privateKeyBytes();
    String text =
        MAGIC + "\n" + KEY_PREFIX + HexFormat.of().formatHex(secret) + "\n" + ID_PREFIX
            + identity.peerId() + "\n";
    java.util.Arrays.fill(secret, (byte) 0);
    Path tmp = dir.resolve(file.getFileName() + ".tmp-" + Long.toHexString(System.nanoTime()));
    try {
      boolean posix = Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null;
      FileAttribute<?>[] attrs =
          posix
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
              : new FileAttribute<?>[0];
      Files.createFile(tmp, attrs);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new FileAlreadyExistsException(file.toString());
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      fsyncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void checkOwnerOnly(Path file) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      return;
    }
    Set<PosixFilePermission> perms = view.readAttributes().permissions();
    Set<PosixFilePermission> others = EnumSet.copyOf(perms);
    others.removeAll(EnumSet.of(
        PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_EXECUTE));
    if (!others.isEmpty()) {
      throw new IdentityFileException(
          file, "readable or writable by others (" + PosixFilePermissions.toString(perms)
              + "); restrict it to its owner, e.g. chmod 600");
    }
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms cannot open a directory; the rename itself is still atomic.
    }
  }

}
