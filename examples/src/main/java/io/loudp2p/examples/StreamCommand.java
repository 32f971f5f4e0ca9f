package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.Role;
import io.loudp2p.StreamSession;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.examples.audio.AudioContainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code loudp2p stream TRACK}: fetches a track from the network into a file or stdout. */
@Command(name = "stream", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Stream a track to a file or stdout, with progress and stats.")
final class StreamCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "TRACK",
      description = "A track ID, or search words (the best hit is streamed), with perhaps the"
          + " start of a track ID that 'search' printed to choose among their hits.")
  List<String> track;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Where to write the track: a file, a folder to write it in under its title,"
          + " or '-' for stdout (default: the current folder).")
  @Nullable String output;

  @Mixin PeerOptions peer;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    TrackRef ref = TrackRef.parse(track);
    peer.requireBootstrap();
    boolean toStdout = "-".equals(output);
    // Checked before any network work: a download that cannot be written is not started.
    Output where = toStdout ? null : Output.check(output);
    PrintWriter info = toStdout ? spec.commandLine().getErr() : spec.commandLine().getOut();
    PrintWriter progress = spec.commandLine().getErr();
    try (Peer p = peer.start(Role.LIGHT, List.of())) {
      TrackRef.Resolved r = ref.resolve(p, spec.commandLine().getErr());
      Report.Clock clock = new Report.Clock();
      StreamSession session = open(p, r.id());
      clock.watch(session);
      try (session) {
        String label = r.track() == null ? r.id().toString().substring(0, 12) : r.track().info().title();
        if (toStdout) {
          copy(session, new byte[0], System.out, progress, label);
          System.out.flush();
        } else {
          byte[] first = new byte[0];
          Path target = where.file();
          if (target == null) {
            AudioContainer container;
            if (r.track() != null) {
              container = AudioContainer.of(r.track().info().mediaType(), r.track().info().codec());
            } else {
              // Found by ID alone: the first bytes tell the container, and so the extension.
              first = session.inputStream().readNBytes(AudioContainer.SNIFF_LENGTH);
              container = AudioContainer.sniff(first);
            }
            target = where.folder().resolve(fileName(r.track(), r.id(), container));
          }
          Path partial = target.resolveSibling(target.getFileName() + ".part");
          OutputStream out;
          try {
            out = Files.newOutputStream(partial);
          } catch (IOException e) {
            throw new UserError(UserError.FAILURE, "cannot write " + partial + ": " + reason(e), e);
          }
          try (out) {
            copy(session, first, out, progress, label);
          } catch (IOException e) {
            Files.deleteIfExists(partial);
            throw e;
          }
          Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
          info.println("wrote " + target + " (" + Text.bytes(session.length()) + ")");
        }
        clock.readerDone();
        // An unpaced reader waits whenever it overtakes the network: that is no playback stall.
        Report.session(info, session, clock, Report.Reader.UNPACED);
      }
      return 0;
    }
  }

  /** Where a download goes: a named file, or a folder to name it in. */
  record Output(@Nullable Path file, Path folder) {
    /**
     * Checks that the folder of {@code option} (null: the current folder) exists and takes new
     * files.
     *
     * @throws UserError when it does not, naming what is wrong
     */
    static Output check(@Nullable String option) {
      Path given = option == null ? Path.of("") : Path.of(option);
      boolean folderOnly = option == null || Files.isDirectory(given) || option.endsWith("/")
          || option.endsWith(java.io.File.separator);
      Path folder = folderOnly ? given : given.toAbsolutePath().getParent();
      String what = option == null ? "in the current folder" : option;
      Path shown = folder.toString().isEmpty() ? Path.of(".") : folder;
      if (!Files.exists(folder)) {
        throw new UserError(UserError.FAILURE, "cannot write " + what + ": no such folder " + shown);
      }
      if (!Files.isDirectory(folder)) {
        throw new UserError(UserError.FAILURE, "cannot write " + what + ": " + shown + " is not a folder");
      }
      try {
        Files.delete(Files.createTempFile(folder.toString().isEmpty() ? Path.of(".") : folder,
            ".loudp2p-", ".check"));
      } catch (IOException e) {
        throw new UserError(UserError.FAILURE, "cannot write " + what + ": the folder " + shown
            + " is not writable", e);
      }
      return new Output(folderOnly ? null : given, folder);
    }
  }

  private static String reason(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such folder";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  static StreamSession open(Peer p, TrackId id) throws InterruptedException {
    java.util.concurrent.CompletableFuture<StreamSession> opening = p.stream(id);
    try {
      return opening.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable c = Await.cause(e);
      throw new UserError(UserError.FAILURE, "cannot stream " + id + ": " + Await.message(c), c);
    } catch (java.util.concurrent.TimeoutException e) {
      opening.cancel(true);
      throw new UserError(UserError.FAILURE, "no source answered for " + id + " within 30 s", e);
    }
  }

  /**
   * Writes {@code first} (bytes already read from the session), then the rest of the track; stops
   * early, saying so on {@code progress}, when {@code out} is a print stream that failed (standard
   * output whose reader went away: {@code stream -o - | head}), so that nothing more is fetched.
   *
   * @return the bytes written
   */
  static long copy(StreamSession session, byte[] first, OutputStream out, PrintWriter progress,
      String label) throws IOException {
    InputStream in = session.inputStream();
    boolean terminal = System.console() != null;
    byte[] buf = new byte[64 * 1024];
    out.write(first);
    long done = first.length;
    long lastDraw = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      // A PrintStream keeps its errors to itself (a broken pipe among them): ask.
      if (out instanceof PrintStream ps && ps.checkError()) {
        progress.println("the output was closed after " + done + " bytes; stopped streaming");
        progress.flush();
        return done;
      }
      done += n;
      long now = System.nanoTime();
      if (terminal && now - lastDraw > 100_000_000L) {
        progress.print("\r" + Text.bar(label, done, session.length(), 30));
        progress.flush();
        lastDraw = now;
      }
    }
    // On a terminal the bar is redrawn in place; elsewhere (a log, a pipe) only the last one shows.
    progress.println((terminal ? "\r" : "") + Text.bar(label, done, session.length(), 30));
    progress.flush();
    return done;
  }

  private static String fileName(@Nullable Track track, TrackId id, AudioContainer container) {
    String base = track == null ? ""
        : track.info().title().replaceAll("[^\\p{L}\\p{N} ._-]", "_").strip();
    boolean usable = !base.isEmpty() && !base.chars().allMatch(c -> c == '.');
    return (usable ? base : id.toString().substring(0, 16)) + container.extension();
  }
}
