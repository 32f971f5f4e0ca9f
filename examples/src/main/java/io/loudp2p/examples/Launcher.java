package io.loudp2p.examples;

import java.awt.Desktop;
import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Starts the programs {@code play} hands its addresses to: the system's browser ({@code --open})
 * and media players ({@code --mpv}, {@code --vlc}). The desktop and the way programs start are
 * passed in, so tests can check the commands without launching anything.
 *
 * <p>Thread-safe when its parts are.
 */
final class Launcher {
  /** Starts a program. */
  interface Programs {
    /**
     * Starts {@code command}; its output is thrown away when {@code quiet}, else it shares this
     * process's terminal. The future completes with its exit code.
     *
     * @throws IOException when it cannot be started (not installed, say)
     */
    CompletableFuture<Integer> start(List<String> command, boolean quiet) throws IOException;
  }

  /** The desktop's own way to open an address in the browser. */
  interface Browser {
    /**
     * Opens {@code uri}; false when this system has no such way (no desktop, or headless).
     *
     * @throws IOException when it has one and it failed
     */
    boolean browse(URI uri) throws IOException;
  }

  private final Programs programs;
  private final Browser browser;
  private final String osName;

  Launcher(Programs programs, Browser browser, String osName) {
    this.programs = programs;
    this.browser = browser;
    this.osName = osName;
  }

  /** The launcher of this system: {@code java.awt.Desktop} and {@link ProcessBuilder}. */
  static Launcher system() {
    return new Launcher(Launcher::startProcess, Launcher::desktopBrowse,
        System.getProperty("os.name", ""));
  }

  /**
   * Opens {@code uri} in the system's browser, with the desktop's own way when there is one, else
   * with {@link #browserCommand}. Never fails: prints one line to {@code out} saying what it did,
   * or that the browser could not be opened (also when the command fails later).
   */
  void browse(URI uri, PrintWriter out) {
    try {
      if (browser.browse(uri)) {
        out.println("opened   " + uri + " in the browser");
        return;
      }
    } catch (IOException | RuntimeException e) {
      // Try the command instead.
    }
    List<String> command = browserCommand(osName, uri);
    String name = command.get(0);
    String fail = "cannot open a browser here with " + name + ": open " + uri + " yourself";
    try {
      programs.start(command, true).thenAccept(exit -> {
        if (exit != 0) {
          out.println(fail + " (" + name + " exited with " + exit + ")");
        }
      });
      out.println("opening  " + uri + " with " + name);
    } catch (IOException e) {
      out.println(fail);
    }
  }

  /** The command that opens an address in the browser on the system named {@code osName}. */
  static List<String> browserCommand(String osName, URI uri) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.startsWith("mac") || os.contains("darwin")) {
      return List.of("open", uri.toString());
    }
    if (os.startsWith("windows")) {
      return List.of("rundll32", "url.dll,FileProtocolHandler", uri.toString());
    }
    return List.of("xdg-open", uri.toString());
  }

  /**
   * Starts media player {@code player} ({@code mpv}, {@code vlc}) on {@code track}; the future
   * completes when it quits.
   *
   * @throws UserError when it cannot be started, with a one-line message saying why
   */
  CompletableFuture<Integer> play(String player, URI track) {
    try {
      return programs.start(List.of(player, track.toString()), false);
    } catch (IOException e) {
      String why = String.valueOf(e.getMessage());
      boolean missing = why.contains("error=2") || why.contains("No such file");
      throw new UserError(UserError.FAILURE, "cannot start " + player + ": "
          + (missing ? "it is not installed (or not on the PATH)" : why)
          + "; play " + track + " in another player", e);
    }
  }

  private static CompletableFuture<Integer> startProcess(List<String> command, boolean quiet)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    if (quiet) {
      pb.redirectInput(ProcessBuilder.Redirect.from(nullFile()))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD);
    } else {
      pb.inheritIO();
    }
    return pb.start().onExit().thenApply(Process::exitValue);
  }

  private static java.io.File nullFile() {
    return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
  }

  private static boolean desktopBrowse(URI uri) throws IOException {
    if (GraphicsEnvironment.isHeadless() || !Desktop.isDesktopSupported()
        || !Desktop.getDesktop().isSupported(Desktop.Action.BROWSE)) {
      return false;
    }
    Desktop.getDesktop().browse(uri);
    return true;
  }
}
