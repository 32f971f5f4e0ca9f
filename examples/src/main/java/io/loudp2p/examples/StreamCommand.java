package io.loudp2p.examples;

import io.loudp2p.Peer;
import io.loudp2p.Role;
import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import io.loudp2p.examples.audio.AudioContainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
@Command(name = "stream", mixinStandardHelpOptions = true, version = Main.VERSION, description = "Stream a track to a file or stdout, with progress and stats. A file keeps"
    + " the chunks fetched for it in " + PartialCache.FOLDER + " beside it until it is whole: the"
    + " same command resumes a download that was stopped.")
final class StreamCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "TRACK",
      description = "A track ID, or search words (the best hit is streamed), with perhaps the"
          + " start of a track ID that 'search' printed to choose among their hits.")
  List<String> track;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Where to write the track: a file, a folder to write it in as 'Artist - Title.ext',"
          + " or '-' for stdout (default: the current folder). A device or FIFO is written to in place.")
  @Nullable String output;

  @Option(names = {"-f", "--force"}, description = "Replace a file that exists.")
  boolean force;

  @Mixin PeerOptions peer;

  @Spec CommandSpec spec;

  /** The track being streamed, once known. */
  private @Nullable TrackId streamed;
  /** Whether every byte of it was read: its partial chunks are no longer needed. */
  private boolean readAll;

  @Override
  public Integer call() throws Exception {
    TrackRef ref = TrackRef.parse(track);
    peer.requireBootstrap();
    boolean toStdout = "-".equals(output);
    // Checked before any network work: a download that cannot be written is not started.
    StreamOutput where = toStdout ? null : StreamOutput.check(output, force);
    PrintWriter info = toStdout ? spec.commandLine().getErr() : spec.commandLine().getOut();
    PrintWriter progress = spec.commandLine().getErr();
    boolean terminal = System.console() != null;
    // A file keeps what was fetched for it until it is whole, so that the same command resumes
    // it; --cache keeps chunks already, and a device or a FIFO is written in one go.
    boolean resumable = where != null && peer.cache == null
        && (where.file() == null || !StreamOutput.inPlace(where.file()));
    PartialCache partial = null;
    if (resumable) {
      try {
        partial = PartialCache.open(where.folder());
        if (partial == null) {
          progress.println("not resumable: another download into this folder keeps its chunks in "
              + PartialCache.FOLDER);
        }
      } catch (IOException e) {
        progress.println("not resumable: cannot keep chunks in " + PartialCache.FOLDER + " ("
            + StreamOutput.reason(e) + ")");
      }
    }
    if (partial == null) {
      try (Peer p = peer.start(Role.LIGHT, List.of())) {
        stream(p, ref, where, info, progress, terminal, null);
      }
      return 0;
    }
    try (Interruption interruption = new Interruption()) {
      try {
        try (Peer p = peer.start(Role.LIGHT, List.of(), partial.directory())) {
          interruption.running(p);
          stream(p, ref, where, info, progress, terminal, partial);
        }
      } catch (Exception e) {
        if (readAll) {
          throw e;
        }
        // The peer is closed: what it fetched is on disk, and counted there.
        PartialCache.Held kept = streamed == null ? PartialCache.Held.NONE : partial.now(streamed);
        String resumes = kept.chunks() == 0 ? ""
            : "; " + kept.text() + " are kept: running the same command again resumes";
        if (interruption.stopped()) {
          spec.commandLine().getErr().println("loudp2p: interrupted" + resumes);
          spec.commandLine().getErr().flush();
          return INTERRUPTED;
        }
        if (resumes.isEmpty()) {
          throw e;
        }
        throw new UserError(e instanceof UserError u ? u.exitCode() : UserError.FAILURE,
            (e instanceof UserError ? e.getMessage() : Await.message(e)) + resumes, e);
      } finally {
        if (readAll && streamed != null) {
          // Read whole: written under its name, or not (a file is there): nothing to resume.
          partial.remove(streamed);
        }
        partial.close();
      }
      return 0;
    }
  }

  /** The exit code of a download stopped by a signal (Ctrl-C): 128 + SIGINT, as a shell has it. */
  static final int INTERRUPTED = 130;

  /**
   * Streams the track {@code ref} names with {@code p} into {@code where} (null: stdout), saying
   * first what {@code partial} (when given) holds of it already.
   */
  private void stream(Peer p, TrackRef ref, @Nullable StreamOutput where, PrintWriter info,
      PrintWriter progress, boolean terminal, @Nullable PartialCache partial) throws Exception {
    TrackRef.Resolved r = ref.resolve(p, spec.commandLine().getErr());
    Path target = where == null ? null : where.file();
    AudioContainer container = null;
    if (where != null && target == null && r.track() != null) {
      container = AudioContainer.of(r.track().info().mediaType(), r.track().info().codec());
      target = where.folder().resolve(StreamOutput.fileName(r.track().info(),
          StreamOutput.shortName(r.id()), container.extension()));
      where.refuseExisting(target);
    }
    streamed = r.id();
    if (partial != null && partial.before(r.id()).chunks() > 0) {
      info.println("resuming: " + partial.before(r.id()).text() + " already here");
      info.flush();
    }
    Report.Clock clock = new Report.Clock();
    StreamSession session = open(p, r.id());
    clock.watch(session);
    try (session) {
      String label = r.track() == null ? r.id().toString().substring(0, 12) : r.track().info().title();
      if (where == null) {
        copy(session, new byte[0], System.out, progress, label, terminal);
        System.out.flush();
      } else {
        byte[] first = new byte[0];
        if (target == null && container == null) {
          // Found by ID alone: the first bytes tell the container, and so the extension.
          first = session.inputStream().readNBytes(AudioContainer.SNIFF_LENGTH);
          container = AudioContainer.sniff(first);
        }
        String extension = container == null ? "" : container.extension();
        Path wrote;
        try (StreamOutput.Writing w = where.open(target,
            StreamOutput.partialName(r.id(), extension))) {
          copy(session, first, w.stream(), progress, label, terminal);
          readAll = true;
          wrote = w.finish(file -> StreamOutput.nameFromTags(file, StreamOutput.shortName(r.id()),
              extension));
        }
        info.println("wrote " + wrote + " (" + Text.bytes(session.length()) + ")");
      }
      clock.readerDone();
      // An unpaced reader waits whenever it overtakes the network: that is no playback stall.
      Report.session(info, session, clock, Report.Reader.UNPACED);
    }
  }

  /**
   * Ctrl-C (or a SIGTERM) while a download that can be resumed runs: its peer is closed, which
   * writes the chunks on their way to disk, and the JVM exits once the command has said what it
   * kept (at most 10 s later). Held from construction to {@link #close}.
   */
  private static final class Interruption implements AutoCloseable {
    private final Thread hook = new Thread(this::stop, "loudp2p-stream-stop");
    private final CountDownLatch said = new CountDownLatch(1);
    private @Nullable Peer peer;
    private boolean stopped;

    Interruption() {
      Runtime.getRuntime().addShutdownHook(hook);
    }

    /** {@code p} is the peer to close on a signal; closed at once when one came already. */
    void running(Peer p) {
      boolean late;
      synchronized (this) {
        peer = p;
        late = stopped;
      }
      if (late) {
        p.close();
      }
    }

    synchronized boolean stopped() {
      return stopped;
    }

    private void stop() {
      Peer p;
      synchronized (this) {
        stopped = true;
        p = peer;
      }
      if (p != null) {
        p.close();
      }
      try {
        said.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is exiting: the hook waits for what follows
      }
      said.countDown();
    }
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
   * Writes {@code first} (bytes already read from the session), then the rest of the track. When
   * {@code out} fails (standard output whose reader went away: {@code stream -o - | head}; a full
   * disk), the session is closed at once, so that nothing more is fetched, and the command ends.
   * On a terminal the progress line is redrawn in place, and ended before anything else is said.
   *
   * @return the bytes written
   * @throws UserError when {@code out} failed, saying after how many bytes
   * @throws IOException when the session failed
   */
  static long copy(StreamSession session, byte[] first, OutputStream out, PrintWriter progress,
      String label, boolean terminal) throws IOException {
    InputStream in = session.inputStream();
    byte[] buf = new byte[64 * 1024];
    long done = 0;
    boolean drawn = false;
    try {
      write(session, out, first, first.length, done);
      done = first.length;
      long lastDraw = System.nanoTime() - 1_000_000_000L;
      int n;
      while ((n = in.read(buf)) > 0) {
        write(session, out, buf, n, done);
        done += n;
        long now = System.nanoTime();
        if (terminal && now - lastDraw > 100_000_000L) {
          progress.print("\r" + Text.bar(label, done, session.length(), 30));
          progress.flush();
          drawn = true;
          lastDraw = now;
        }
      }
    } catch (IOException | RuntimeException e) {
      if (drawn) {
        progress.println(); // the error's line starts on its own
        progress.flush();
      }
      throw e;
    }
    // On a terminal the bar is redrawn in place; elsewhere (a log, a pipe) only the last one shows.
    progress.println((terminal ? "\r" : "") + Text.bar(label, done, session.length(), 30));
    progress.flush();
    return done;
  }

  /** Writes to {@code out}; when it fails, closes the session and says so. */
  private static void write(StreamSession session, OutputStream out, byte[] b, int n, long done) {
    String failure;
    try {
      out.write(b, 0, n);
      // A PrintStream keeps its errors to itself (a broken pipe among them): ask.
      failure = out instanceof PrintStream ps && ps.checkError() ? "" : null;
    } catch (IOException e) {
      failure = " (" + StreamOutput.reason(e) + ")";
    }
    if (failure != null) {
      session.close();
      throw new UserError(UserError.FAILURE, "the output failed after " + Text.count(done, "byte")
          + failure + "; stopped streaming");
    }
  }
}
