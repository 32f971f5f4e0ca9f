package io.loudp2p.core.catalog;

import io.loudp2p.ScanReport.SkippedFile;
import io.loudp2p.core.catalog.internal.AudioProbe;
import io.loudp2p.core.internal.Loggers;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scan's walk of folders: collects the audio files under them (by file name) with the size
 * and modification time seen, and the files skipped on the way, each with its reason.
 *
 * <p>Follows symbolic links down to {@link LocalCatalog#MAX_DEPTH} levels and stops at the
 * configured number of files. Every path is skipped at most once, with one warning. Not
 * thread-safe: one walk belongs to one scan.
 */
final class FolderWalk {
  /** The catalog's own logger: the skipped files are the catalog's warnings. */
  private static final Logger log = LoggerFactory.getLogger(Loggers.CATALOG);

  /** A file's size and modification time as the walk saw them. */
  record Seen(long size, long modifiedNs) {}

  private final Map<Path, Seen> files = new LinkedHashMap<>();
  private final List<SkippedFile> skipped = new ArrayList<>();
  private final Set<Path> skippedPaths = new HashSet<>();
  private final int maxFiles;
  private boolean full;

  FolderWalk(int maxFiles) {
    this.maxFiles = maxFiles;
  }

  /** The audio files found so far, by absolute, normalised path, in the order found. */
  Map<Path, Seen> files() {
    return files;
  }

  /** The files skipped so far, in the order skipped. */
  List<SkippedFile> skipped() {
    return skipped;
  }

  /** Walks {@code folder}, unless the walk is already full. */
  void folder(Path folder) {
    if (full) {
      return;
    }
    if (!Files.isDirectory(folder)) {
      skip(folder, "folder is missing or not a directory");
      return;
    }
    try {
      Files.walkFileTree(
          folder,
          EnumSet.of(FileVisitOption.FOLLOW_LINKS),
          LocalCatalog.MAX_DEPTH,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (attrs.isDirectory()) {
                return FileVisitResult.CONTINUE;
              }
              String name = file.getFileName() == null ? "" : file.getFileName().toString();
              if (AudioProbe.Format.ofFileName(name).isEmpty()) {
                return FileVisitResult.CONTINUE;
              }
              Path path = file.toAbsolutePath().normalize();
              if (files.size() + skipped.size() >= maxFiles) {
                full = true;
                skip(path, "scan stopped: more than " + maxFiles + " audio files");
                return FileVisitResult.TERMINATE;
              }
              if (!attrs.isRegularFile()) {
                skip(path, "not a regular file (device, pipe or broken link)");
                return FileVisitResult.CONTINUE;
              }
              files.putIfAbsent(
                  path, new Seen(attrs.size(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              Path path = file.toAbsolutePath().normalize();
              if (e instanceof FileSystemLoopException) {
                skip(path, "symbolic link loop");
              } else if (e instanceof AccessDeniedException) {
                skip(path, "permission denied");
              } else {
                skip(path, "cannot read: " + e.getMessage());
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      skip(folder, "cannot walk folder: " + e.getMessage());
    }
  }

  /** Lists {@code path} as skipped for {@code reason}, unless it already is. */
  void skip(Path path, String reason) {
    if (!skippedPaths.add(path)) {
      return;
    }
    log.warn("Skipping {}: {}", path, reason);
    skipped.add(new SkippedFile(path, reason));
  }
}
