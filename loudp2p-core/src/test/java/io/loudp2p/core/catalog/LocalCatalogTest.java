package io.loudp2p.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Loudp2pException;
import io.loudp2p.ScanReport;
import io.loudp2p.ScanReport.SkippedFile;
import io.loudp2p.SearchResult;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.core.content.MerkleTree;
import java.io.ByteArrayInputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCatalogTest {
  @TempDir Path tmp;

  private final List<LocalCatalog> opened = new ArrayList<>();
  private final AtomicInteger hashes = new AtomicInteger();
  private final TrackHasher counting =
      (file, size) -> {
        hashes.incrementAndGet();
        return TrackHasher.merkle().hash(file, size);
      };

  @AfterEach
  void closeAll() {
    opened.forEach(LocalCatalog::close);
  }

  private LocalCatalog open(LocalCatalog.Builder b) {
    LocalCatalog c = b.build();
    opened.add(c);
    return c;
  }

  private LocalCatalog openWithStore() {
    return open(LocalCatalog.builder().storeFile(tmp.resolve("state/catalog.bin")).hasher(counting));
  }

  private static Map<String, String> reasons(ScanReport report) {
    return report.skipped().stream()
        .collect(Collectors.toMap(s -> s.path().getFileName().toString(), SkippedFile::reason));
  }

  @Test
  void scansEveryFormatAndFindsTracksByIdAndSearch() throws Exception {
    Path music = tmp.resolve("music");
    Fixtures.copyAll(music.resolve("nested/deeper"));
    LocalCatalog catalog = open(LocalCatalog.builder());

    ScanReport report = catalog.addFolder(music).get(10, TimeUnit.SECONDS);

    assertThat(report.added()).isEqualTo(Fixtures.ALL.size());
    assertThat(report.skipped()).isEmpty();
    assertThat(catalog.size()).isEqualTo(Fixtures.ALL.size());
    assertThat(catalog.folders()).containsExactly(music.toAbsolutePath().normalize());
    List<SearchResult> beyonce = catalog.search("beyonce", 10);
    assertThat(beyonce)
        .extracting(r -> r.track().info().title())
        .containsExactlyInAnyOrder("Halo", "Formation", "Déjà Vu");
    assertThat(catalog.search("sigur ros", 10)).hasSize(2);

    Track halo = catalog.search("halo", 1).get(0).track();
    byte[] bytes = Fixtures.bytes("id3v23.mp3");
    List<byte[]> leaves = MerkleTree.hashChunks(new ByteArrayInputStream(bytes), 16 * 1024);
    assertThat(halo.id()).isEqualTo(TrackId.fromBytes(MerkleTree.fromLeafHashes(leaves).root()));
    assertThat(halo.size()).isEqualTo(bytes.length);
    assertThat(catalog.track(halo.id())).contains(halo);
    LocalCatalog.LocalFile file = catalog.fileOf(halo.id()).orElseThrow();
    assertThat(file.path()).isEqualTo(music.resolve("nested/deeper/id3v23.mp3").toAbsolutePath());
    assertThat(file.size()).isEqualTo(bytes.length);
    assertThat(catalog.fileOf(TrackId.fromBytes(new byte[32]))).isEmpty();
  }

  @Test
  void identicalFilesAreOneTrack() throws Exception {
    Fixtures.copy("tagged.flac", tmp.resolve("a"), "one.flac");
    Fixtures.copy("tagged.flac", tmp.resolve("a"), "two.flac");
    LocalCatalog catalog = open(LocalCatalog.builder());
    ScanReport report = catalog.addFolderNow(tmp.resolve("a"));
    assertThat(report.added()).isEqualTo(2);
    assertThat(catalog.size()).isEqualTo(1);
    Track t = catalog.search("svefn", 10).get(0).track();
    assertThat(catalog.fileOf(t.id()).orElseThrow().path().getFileName().toString())
        .isEqualTo("one.flac");
  }

  @Test
  void skipsHostileFilesWithOneReasonEachAndKeepsGoing() throws Exception {
    Path music = tmp.resolve("music");
    Fixtures.copy("tagged.ogg", music, "good.ogg");
    byte[] noise = new byte[30_000];
    new Random(1).nextBytes(noise);
    Files.write(music.resolve("noise.mp3"), noise);
    Files.write(music.resolve("empty.mp3"), new byte[0]);
    byte[] flac = Fixtures.bytes("tagged.flac");
    Files.write(music.resolve("truncated.flac"), java.util.Arrays.copyOf(flac, 100));
    Files.write(music.resolve("notes.txt"), "not music".getBytes());
    Path fakeDir = Files.createDirectories(music.resolve("album.mp3"));
    Fixtures.copy("tagged.opus", fakeDir, "inside.opus");
    Path loopDir = Files.createDirectories(music.resolve("loop"));
    Files.createSymbolicLink(loopDir.resolve("back"), music);
    Files.createSymbolicLink(music.resolve("dangling.wav"), music.resolve("missing.wav"));

    LocalCatalog catalog = open(LocalCatalog.builder());
    ScanReport report = catalog.addFolderNow(music);

    Map<String, String> reasons = reasons(report);
    assertThat(reasons)
        .containsOnlyKeys("noise.mp3", "empty.mp3", "truncated.flac", "back", "dangling.wav");
    assertThat(reasons.get("empty.mp3")).isEqualTo("empty file");
    assertThat(reasons.get("back")).isEqualTo("symbolic link loop");
    assertThat(reasons.get("truncated.flac")).contains("FLAC");
    assertThat(reasons.get("dangling.wav")).contains("not a regular file");
    assertThat(report.added()).isEqualTo(2);
    assertThat(catalog.search("crystalised", 10)).hasSize(1);
    assertThat(catalog.search("deja vu", 10)).hasSize(1);
  }

  @Test
  void unreadableFilesAreSkippedOrReadWhateverTheUser() throws Exception {
    Path music = tmp.resolve("music");
    Path locked = Fixtures.copy("tagged.ogg", music, "locked.ogg");
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    LocalCatalog catalog = open(LocalCatalog.builder());

    ScanReport report = catalog.addFolderNow(music);

    if (Files.isReadable(locked)) {
      // The superuser reads files whatever their permissions.
      assertThat(report.added()).isEqualTo(1);
    } else {
      assertThat(reasons(report)).containsEntry("locked.ogg", "permission denied");
      assertThat(report.added()).isZero();
    }
  }

  @Test
  void permissionDeniedWhileHashingIsSkipped() throws Exception {
    Path music = tmp.resolve("music");
    Fixtures.copy("tagged.ogg", music, "locked.ogg");
    Fixtures.copy("tagged.flac", music, "open.flac");
    TrackHasher denying =
        (file, size) -> {
          if (file.getFileName().toString().equals("locked.ogg")) {
            throw new AccessDeniedException(file.toString());
          }
          return TrackHasher.merkle().hash(file, size);
        };
    LocalCatalog catalog = open(LocalCatalog.builder().hasher(denying));
    ScanReport report = catalog.addFolderNow(music);
    assertThat(reasons(report)).containsExactly(Map.entry("locked.ogg", "permission denied"));
    assertThat(report.added()).isEqualTo(1);
  }

  @Test
  void restartDoesNotRehashUnchangedFilesAndRescanSeesChanges() throws Exception {
    Path music = tmp.resolve("music");
    Fixtures.copyAll(music);
    LocalCatalog first = openWithStore();
    first.addFolderNow(music);
    assertThat(hashes.get()).isEqualTo(Fixtures.ALL.size());
    first.close();

    hashes.set(0);
    LocalCatalog second = openWithStore();
    assertThat(second.size()).isEqualTo(Fixtures.ALL.size());
    assertThat(second.search("teardrop", 5)).hasSize(1);
    ScanReport same = second.rescanNow();
    assertThat(same).isEqualTo(new ScanReport(0, 0, 0, Fixtures.ALL.size(), List.of()));
    assertThat(hashes.get()).isZero();

    Files.delete(music.resolve("tagged.wav"));
    Fixtures.copy("id3v1.mp3", music, "id3v23.mp3");
    Files.setLastModifiedTime(music.resolve("id3v23.mp3"), FileTime.fromMillis(1_000_000_000L));
    Fixtures.copy("tagged.opus", music.resolve("new"), "fresh.opus");
    ScanReport changed = second.rescanNow();
    assertThat(changed.added()).isEqualTo(1);
    assertThat(changed.updated()).isEqualTo(1);
    assertThat(changed.removed()).isEqualTo(1);
    assertThat(changed.unchanged()).isEqualTo(Fixtures.ALL.size() - 2);
    assertThat(hashes.get()).isEqualTo(2);
    assertThat(second.search("teardrop", 5)).isEmpty();
    assertThat(second.search("halo", 5)).isEmpty();

    hashes.set(0);
    LocalCatalog third = openWithStore();
    assertThat(third.rescanNow().unchanged()).isEqualTo(Fixtures.ALL.size());
    assertThat(hashes.get()).isZero();
  }

  @Test
  void addingTheSameFolderAfterARestartReadsNothingAgain() throws Exception {
    Path music = tmp.resolve("music");
    Fixtures.copyAll(music);
    openWithStore().addFolderNow(music);
    hashes.set(0);
    LocalCatalog restarted = openWithStore();
    ScanReport report = restarted.addFolder(music).get(10, TimeUnit.SECONDS);
    assertThat(report.unchanged()).isEqualTo(Fixtures.ALL.size());
    assertThat(report.added()).isZero();
    assertThat(hashes.get()).isZero();
    assertThat(restarted.folders()).hasSize(1);
  }

  @Test
  void listenersHearOfEveryChangeAndFailingOnesAreIgnored() throws Exception {
    Path music = tmp.resolve("music");
    Fixtures.copy("tagged.flac", music, "a.flac");
    LocalCatalog catalog = open(LocalCatalog.builder());
    List<ScanReport> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Integer> sizesSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.loudp2p.Catalog.Listener recording =
        new io.loudp2p.Catalog.Listener() {
          @Override
          public void onCatalogChanged(ScanReport report) {
            sizesSeen.add(catalog.size());
            heard.add(report);
          }
        };
    catalog.addListener(
        new io.loudp2p.Catalog.Listener() {
          @Override
          public void onCatalogChanged(ScanReport report) {
            throw new IllegalStateException("listener failure");
          }
        });
    catalog.addListener(recording);
    catalog.addListener(recording);
    catalog.addListener(io.loudp2p.Catalog.Listener.NONE);

    catalog.addFolderNow(music);
    catalog.rescanNow();
    catalog.removeFolderNow(music);
    catalog.removeListener(recording);
    catalog.rescanNow();

    assertThat(heard).extracting(ScanReport::added, ScanReport::unchanged, ScanReport::removed)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, 0, 0),
            org.assertj.core.groups.Tuple.tuple(0, 1, 0),
            org.assertj.core.groups.Tuple.tuple(0, 0, 1));
    assertThat(sizesSeen).containsExactly(1, 1, 0);
  }

  @Test
  void touchedFileWithSameSizeIsReadAgain() throws Exception {
    Path music = tmp.resolve("music");
    Path file = Fixtures.copy("tagged.flac", music, "a.flac");
    LocalCatalog catalog = openWithStore();
    catalog.addFolderNow(music);
    Files.setLastModifiedTime(file, FileTime.fromMillis(123_000L));
    ScanReport report = catalog.rescanNow();
    assertThat(report.updated()).isEqualTo(1);
    assertThat(hashes.get()).isEqualTo(2);
  }

  @Test
  void corruptCatalogFileIsRebuiltByScanning() throws Exception {
    Path music = tmp.resolve("music");
    Fixtures.copyAll(music);
    openWithStore().addFolderNow(music);
    Path store = tmp.resolve("state/catalog.bin");
    byte[] saved = Files.readAllBytes(store);

    Files.write(store, java.util.Arrays.copyOf(saved, saved.length / 2));
    LocalCatalog truncated = openWithStore();
    assertThat(truncated.size()).isZero();
    assertThat(truncated.folders()).isEmpty();
    assertThat(truncated.addFolderNow(music).added()).isEqualTo(Fixtures.ALL.size());

    saved[saved.length / 3] ^= 0x40;
    Files.write(store, saved);
    LocalCatalog flipped = openWithStore();
    assertThat(flipped.size()).isZero();

    Files.write(store, "garbage".getBytes());
    assertThat(openWithStore().size()).isZero();
  }

  @Test
  void removingAFolderDropsItsTracksOnly() throws Exception {
    Fixtures.copy("tagged.flac", tmp.resolve("a"), "a.flac");
    Fixtures.copy("tagged.ogg", tmp.resolve("b"), "b.ogg");
    LocalCatalog catalog = openWithStore();
    catalog.addFolderNow(tmp.resolve("a"));
    catalog.addFolderNow(tmp.resolve("b"));
    assertThat(catalog.size()).isEqualTo(2);

    ScanReport report = catalog.removeFolder(tmp.resolve("a")).get(10, TimeUnit.SECONDS);
    assertThat(report.removed()).isEqualTo(1);
    assertThat(catalog.size()).isEqualTo(1);
    assertThat(catalog.folders()).containsExactly(tmp.resolve("b").toAbsolutePath());
    assertThat(catalog.removeFolderNow(tmp.resolve("a"))).isEqualTo(ScanReport.EMPTY);
    assertThat(openWithStore().size()).isEqualTo(1);
  }

  @Test
  void vanishedFolderLosesItsTracksOnRescan() throws Exception {
    Path a = tmp.resolve("a");
    Path file = Fixtures.copy("tagged.flac", a, "a.flac");
    LocalCatalog catalog = open(LocalCatalog.builder());
    catalog.addFolderNow(a);
    Files.delete(file);
    Files.delete(a);
    ScanReport report = catalog.rescanNow();
    assertThat(report.removed()).isEqualTo(1);
    assertThat(reasons(report)).containsEntry("a", "folder is missing or not a directory");
    assertThat(catalog.size()).isZero();
  }

  @Test
  void addingSomethingThatIsNotAFolderFails() throws Exception {
    Path file = Fixtures.copy("tagged.flac", tmp, "a.flac");
    LocalCatalog catalog = open(LocalCatalog.builder());
    assertThatThrownBy(() -> catalog.addFolderNow(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a directory");
    CompletableFuture<ScanReport> future = catalog.addFolder(tmp.resolve("missing"));
    assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(Loudp2pException.class,
            e -> assertThat(e.code()).isEqualTo(Loudp2pException.Code.INVALID))
        .hasMessageContaining("not a directory")
        .hasCauseInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void stopsAtTheFileCap() throws Exception {
    Path music = tmp.resolve("music");
    Fixtures.copyAll(music);
    LocalCatalog catalog = open(LocalCatalog.builder().maxFilesPerScan(3));
    ScanReport report = catalog.addFolderNow(music);
    assertThat(report.added()).isEqualTo(3);
    assertThat(report.skipped()).hasSize(1);
    assertThat(report.skipped().get(0).reason()).isEqualTo("scan stopped: more than 3 audio files");
    assertThat(LocalCatalog.MAX_FILES_PER_SCAN).isEqualTo(1_000_000);
    assertThatThrownBy(() -> LocalCatalog.builder().maxFilesPerScan(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void descendsNoDeeperThanTheDepthLimit() throws Exception {
    Path deepest = tmp.resolve("music");
    for (int i = 1; i < LocalCatalog.MAX_DEPTH; i++) {
      deepest = deepest.resolve("d");
    }
    Fixtures.copy("tagged.flac", deepest, "reached.flac");
    Fixtures.copy("tagged.ogg", deepest.resolve("d"), "beyond.ogg");
    LocalCatalog catalog = open(LocalCatalog.builder());
    ScanReport report = catalog.addFolderNow(tmp.resolve("music"));
    assertThat(report.added()).isEqualTo(1);
    assertThat(catalog.search("svefn", 5)).hasSize(1);
    assertThat(catalog.search("crystalised", 5)).isEmpty();
  }

  @Test
  void searchesDuringAScanSeeTheCatalogBeforeIt() throws Exception {
    Path music = tmp.resolve("music");
    Fixtures.copy("tagged.flac", music, "a.flac");
    CountDownLatch hashing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TrackHasher blocking =
        (file, size) -> {
          hashing.countDown();
          try {
            if (!release.await(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("never released");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return TrackHasher.merkle().hash(file, size);
        };
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      LocalCatalog catalog = open(LocalCatalog.builder().hasher(blocking).executor(executor));
      CompletableFuture<ScanReport> scan = catalog.addFolder(music);
      assertThat(hashing.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(catalog.search("svefn", 5)).isEmpty();
      assertThat(catalog.size()).isZero();
      release.countDown();
      assertThat(scan.get(10, TimeUnit.SECONDS).added()).isEqualTo(1);
      assertThat(catalog.search("svefn", 5)).hasSize(1);
    } finally {
      executor.shutdownNow();
    }
  }
}
