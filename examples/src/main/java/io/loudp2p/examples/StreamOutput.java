package io.loudp2p.examples;

import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.catalog.internal.AudioProbe;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Where {@code stream} writes a track: a named file, or a folder to name it in after its artist
 * and title. A regular file is written beside its name as {@code NAME.part} and renamed once
 * whole, and never over an existing file without {@code --force}; anything else that exists under
 * the name (a device such as {@code /dev/null}, a FIFO) is written to in place, never replaced.
 *
 * @param file the file named, or null for a folder to name it in
 * @param folder the folder the file is written in
 * @param force whether an existing file may be replaced
 */
record StreamOutput(@Nullable Path file, Path folder, boolean force) {
  /** The longest file name made from a track's artist and title, in characters. */
  static final int MAX_NAME = 120;

  /**
   * Checks that the folder of {@code option} (null: the current folder) exists and takes new
   * files, and that a file named there is not replaced without {@code force}.
   *
   * @throws UserError when it does not, naming what is wrong
   */
  static StreamOutput check(@Nullable String option, boolean force) {
    Path given = option == null ? Path.of("") : Path.of(option);
    boolean folderOnly = option == null || Files.isDirectory(given) || option.endsWith("/")
        || option.endsWith(java.io.File.separator);
    Path folder = folderOnly ? given : given.toAbsolutePath().getParent();
    String what = option == null ? "in the current folder" : option;
    Path shown = folder.toString().isEmpty() ? Path.of(".") : folder;
    if (!folderOnly && inPlace(given)) {
      return new StreamOutput(given, folder, force); // a device or a FIFO: nothing is made beside it
    }
    if (!Files.exists(folder)) {
      throw new UserError(UserError.FAILURE, "cannot write " + what + ": no such folder " + shown);
    }
    if (!Files.isDirectory(folder)) {
      throw new UserError(UserError.FAILURE, "cannot write " + what + ": " + shown + " is not a folder");
    }
    try {
      Files.delete(Files.createTempFile(shown, ".loudp2p-", ".check"));
    } catch (IOException e) {
      throw new UserError(UserError.FAILURE, "cannot write " + what + ": the folder " + shown
          + " is not writable", e);
    }
    StreamOutput out = new StreamOutput(folderOnly ? null : given, folder, force);
    if (!folderOnly) {
      out.refuseExisting(given);
    }
    return out;
  }

  /** Whether {@code path} exists and is neither a regular file nor a folder: written in place. */
  static boolean inPlace(Path path) {
    return Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path);
  }

  /** @throws UserError when {@code target} is a file and {@code --force} was not given */
  void refuseExisting(Path target) {
    if (!force && Files.isRegularFile(target)) {
      throw new UserError(UserError.FAILURE, target + " exists; --force replaces it");
    }
  }

  /** What {@link #open} gives: the stream to write, and where it goes. */
  interface Writing extends AutoCloseable {
    OutputStream stream();

    /**
     * Puts the file under its name once all was written; {@code name} names it when no name was
     * known at the start (a track found by its ID alone).
     *
     * @return where the track now is
     */
    Path finish(Namer name) throws IOException;

    /** Removes what was written unless {@link #finish} was called. */
    @Override
    void close() throws IOException;
  }

  /** The name of a file written without one, from what it holds. */
  interface Namer {
    String name(Path written) throws IOException;
  }

  /**
   * Opens where the track goes: {@code target} (null when only known at the end), its partial
   * file, or the target itself when it is a device or a FIFO.
   *
   * @param partialName the partial file's name in the folder when {@code target} is null
   */
  Writing open(@Nullable Path target, String partialName) {
    boolean direct = target != null && inPlace(target);
    Path partial = direct ? target
        : target != null ? target.resolveSibling(target.getFileName() + ".part")
        : folder.resolve(partialName);
    OutputStream stream;
    try {
      stream = direct ? Files.newOutputStream(partial, StandardOpenOption.WRITE)
          : Files.newOutputStream(partial);
    } catch (IOException e) {
      throw new UserError(UserError.FAILURE, "cannot write " + partial + ": " + reason(e), e);
    }
    return new Writing() {
      private boolean finished;

      @Override
      public OutputStream stream() {
        return stream;
      }

      @Override
      public Path finish(Namer namer) throws IOException {
        stream.close();
        finished = true;
        if (direct) {
          return partial;
        }
        Path to = target != null ? target : folder.resolve(namer.name(partial));
        try {
          refuseExisting(to);
          if (force) {
            Files.move(partial, to, StandardCopyOption.REPLACE_EXISTING);
          } else {
            Files.move(partial, to);
          }
        } catch (UserError | FileAlreadyExistsException e) {
          Files.deleteIfExists(partial);
          throw e instanceof UserError u ? u
              : new UserError(UserError.FAILURE, to + " exists; --force replaces it", e);
        }
        return to;
      }

      @Override
      public void close() throws IOException {
        if (!finished) {
          stream.close();
          if (!direct) {
            Files.deleteIfExists(partial);
          }
        }
      }
    };
  }

  /**
   * A file name made of the artist and title, {@code Artist - Title.ext}, with what file systems
   * refuse replaced; {@code fallback} when there is nothing usable.
   */
  static String fileName(@Nullable TrackInfo info, String fallback, String extension) {
    String base = "";
    if (info != null) {
      base = (info.artist().isBlank() ? "" : info.artist().strip() + " - ") + info.title().strip();
      base = base.replaceAll("[\\\\/:*?\"<>|\\p{Cntrl}]", "_").strip();
      base = base.replaceAll("^[. ]+|[. ]+$", "");
      if (base.length() > MAX_NAME) {
        int cut = Character.isHighSurrogate(base.charAt(MAX_NAME - 1)) ? MAX_NAME - 1 : MAX_NAME;
        base = base.substring(0, cut).strip();
      }
    }
    return (base.isEmpty() ? fallback : base) + extension;
  }

  /**
   * The name of a file written from a track found by its ID alone: from the artist and title in
   * its tags, or {@code fallback} when it has none that can be read.
   */
  static String nameFromTags(Path written, String fallback, String extension) {
    try {
      TrackInfo info = AudioProbe.probe(written, Files.size(written));
      String title = info.title().toLowerCase(Locale.ROOT);
      // A file without a title is titled after its own (partial) name: no title at all.
      boolean titled = !title.startsWith(fallback.toLowerCase(Locale.ROOT));
      return fileName(titled ? info : null, fallback, extension);
    } catch (Exception | LinkageError e) {
      return fallback + extension;
    }
  }

  /** The partial file of a track found by its ID alone, named so its tags can be read. */
  static String partialName(TrackId id, String extension) {
    return shortName(id) + ".part" + extension;
  }

  /** The name of a track without any: the start of its ID. */
  static String shortName(TrackId id) {
    return id.toString().substring(0, 16);
  }

  static String reason(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such folder";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(Locale.ROOT);
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
