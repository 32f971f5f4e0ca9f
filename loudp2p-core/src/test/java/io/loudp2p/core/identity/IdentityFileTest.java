package io.loudp2p.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityFileTest {
  @TempDir Path dir;

  @Test
  void createsOwnerOnlyFileAndLoadsTheSameIdentity() throws IOException {
    Path file = dir.resolve("keys/identity");

    Identity created = Identity.loadOrCreate(file);
    Identity loaded = Identity.loadOrCreate(file);

    assertThat(loaded.peerId()).isEqualTo(created.peerId());
    assertThat(loaded.publicKey()).isEqualTo(created.publicKey());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(file)).startsWith(IdentityFile.MAGIC + "\n")
        .contains("peer-id " + created.peerId());
    try (var files = Files.list(file.getParent())) {
      assertThat(files).containsExactly(file); // no temporary file left behind
    }
  }

  @Test
  void truncatedFileIsAnErrorNamingTheFileAndIsLeftUntouched() throws IOException {
    Path file = dir.resolve("identity");
    Identity.loadOrCreate(file);
    String full = Files.readString(file);
    String truncated = full.substring(0, full.length() / 2);
    Files.writeString(file, truncated);

    assertThatThrownBy(() -> Identity.loadOrCreate(file))
        .isInstanceOf(IdentityFileException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt");
    assertThat(Files.readString(file)).isEqualTo(truncated);
  }

  @Test
  void emptyFileIsAnErrorNotANewIdentity() throws IOException {
    Path file = dir.resolve("identity");
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));

    assertThatThrownBy(() -> Identity.loadOrCreate(file))
        .isInstanceOf(IdentityFileException.class)
        .hasMessageContaining("empty");
    assertThat(Files.size(file)).isZero();
  }

  @Test
  void foreignFileIsRefused() throws IOException {
    Path file = ownerOnly(dir.resolve("id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...\n");

    assertThatThrownBy(() -> Identity.loadOrCreate(file))
        .isInstanceOf(IdentityFileException.class)
        .hasMessageContaining("not a loudp2p identity file");
  }

  @Test
  void keyThatDoesNotMatchRecordedPeerIdIsCorrupt() throws IOException {
    Path file = dir.resolve("identity");
    Identity.loadOrCreate(file);
    String text = Files.readString(file);
    // Flip one hex digit of the private key.
    int at = text.indexOf(IdentityFile.KEY_PREFIX) + IdentityFile.KEY_PREFIX.length() + 10;
    char flipped = text.charAt(at) == '0' ? '1' : '0';
    Files.writeString(file, text.substring(0, at) + flipped + text.substring(at + 1));

    assertThatThrownBy(() -> Identity.loadOrCreate(file))
        .isInstanceOf(IdentityFileException.class)
        .hasMessageContaining("the private key gives peer ID");
  }

  @Test
  void fileReadableByOthersIsRefused() throws IOException {
    Path file = dir.resolve("identity");
    Identity.loadOrCreate(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> Identity.loadOrCreate(file))
        .isInstanceOf(IdentityFileException.class)
        .hasMessageContaining("chmod 600");
  }

  @Test
  void oversizedAndNonRegularFilesAreRefused() throws IOException {
    Path big = ownerOnly(dir.resolve("big"), IdentityFile.MAGIC + "\n" + "x".repeat(IdentityFile.MAX_FILE_BYTES));
    Path folder = Files.createDirectory(dir.resolve("folder"));

    assertThatThrownBy(() -> Identity.loadOrCreate(big)).hasMessageContaining("too large");
    assertThatThrownBy(() -> Identity.loadOrCreate(folder)).hasMessageContaining("not a regular file");
  }

  private static Path ownerOnly(Path file, String content) throws IOException {
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.write(file, content.getBytes(StandardCharsets.UTF_8));
    return file;
  }
}
