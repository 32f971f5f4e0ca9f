package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The commands {@code play} starts its browser and players with; nothing is launched. */
class LauncherTest {
  private static final URI PAGE = URI.create("http://127.0.0.1:8080/?track=abc");
  private static final URI TRACK = URI.create("http://127.0.0.1:8080/tracks/abc");

  private final List<List<String>> started = new ArrayList<>();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final StringWriter out = new StringWriter();

  private Launcher launcher(boolean desktop, boolean installed, String os) {
    return new Launcher((command, quiet) -> {
      if (!installed) {
        throw new IOException("Cannot run program \"" + command.get(0)
            + "\": error=2, No such file or directory");
      }
      started.add(command);
      return exit;
    }, uri -> {
      if (desktop) {
        started.add(List.of("desktop", uri.toString()));
      }
      return desktop;
    }, os);
  }

  @Test
  void theBrowserIsTheDesktopsWhenThereIsOne() {
    launcher(true, true, "Linux").browse(PAGE, new PrintWriter(out, true));

    assertThat(started).containsExactly(List.of("desktop", PAGE.toString()));
    assertThat(out.toString()).isEqualTo("opened   " + PAGE + " in the browser" + System.lineSeparator());
  }

  @Test
  void withoutADesktopTheSystemsOpenCommandOpensIt() {
    launcher(false, true, "Linux").browse(PAGE, new PrintWriter(out, true));
    launcher(false, true, "Mac OS X").browse(PAGE, new PrintWriter(out, true));

    assertThat(started).containsExactly(List.of("xdg-open", PAGE.toString()),
        List.of("open", PAGE.toString()));
    assertThat(Launcher.browserCommand("Windows 11", PAGE))
        .containsExactly("rundll32", "url.dll,FileProtocolHandler", PAGE.toString());
    assertThat(out.toString()).contains("opening  " + PAGE + " with xdg-open");
  }

  @Test
  void aBrowserThatCannotBeOpenedIsOneLineAndNoFailure() {
    launcher(false, false, "Linux").browse(PAGE, new PrintWriter(out, true));
    Launcher failing = launcher(false, true, "Linux");
    failing.browse(PAGE, new PrintWriter(out, true));
    exit.complete(3);

    assertThat(out.toString().lines()).containsExactly(
        "cannot open a browser here with xdg-open: open " + PAGE + " yourself",
        "opening  " + PAGE + " with xdg-open",
        "cannot open a browser here with xdg-open: open " + PAGE + " yourself (xdg-open exited with 3)");
  }

  @Test
  void aPlayerGetsTheTracksAddressAndAMissingOneIsAOneLineError() {
    CompletableFuture<Integer> quit = launcher(false, true, "Linux").play("mpv", TRACK);
    assertThat(started).containsExactly(List.of("mpv", TRACK.toString()));
    assertThat(quit).isSameAs(exit);

    assertThatThrownBy(() -> launcher(false, false, "Linux").play("vlc", TRACK))
        .isInstanceOf(UserError.class)
        .hasMessage("cannot start vlc: it is not installed (or not on the PATH); play " + TRACK
            + " in another player")
        .satisfies(e -> assertThat(((UserError) e).exitCode()).isEqualTo(UserError.FAILURE));
  }
}
