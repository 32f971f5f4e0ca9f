package io.loudp2p.examples;

import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Prints session events as lines above the progress bar; on a terminal the bar redraws in
 * place, elsewhere it is printed at each quarter of the track.
 */
final class DemoEvents extends StreamSession.Listener {
  private final PrintWriter out;
  /** Short names of the demo's peers. */
  private final Map<PeerId, String> names;
  private final boolean terminal;
  private String lastProgress = "";
  private int quartersShown;

  DemoEvents(PrintWriter out, boolean terminal, Map<PeerId, String> names) {
    this.out = out;
    this.names = names;
    this.terminal = terminal;
  }

  synchronized void line(String text) {
    if (terminal) {
      out.print("\r" + " ".repeat(lastProgress.length()) + "\r");
    }
    out.println("  " + text);
    if (terminal) {
      out.print(lastProgress);
    }
    out.flush();
  }

  synchronized void progress(StreamSession session, long played) {
    long length = session.length();
    String line = progressLine(session, played);
    if (terminal) {
      String pad = " ".repeat(Math.max(0, lastProgress.length() - line.length()));
      out.print("\r" + line + pad);
      lastProgress = line;
    } else {
      int quarter = (int) (4 * played / Math.max(1, length));
      if (quarter > quartersShown) {
        quartersShown = quarter;
        out.println(line);
      }
    }
    out.flush();
  }

  synchronized void endProgress() {
    if (terminal) {
      out.println();
    }
    out.flush();
    lastProgress = "";
  }

  private String progressLine(StreamSession session, long played) {
    long length = session.length();
    long fetched = session.stats().verifiedBytes();
    StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT,
        "  [%s] played %3d%% fetched %3d%% |", bar(played, fetched, length, 20),
        100 * played / Math.max(1, length), 100 * Math.min(length, fetched) / Math.max(1, length)));
    List<SourceStats> sources = new ArrayList<>(session.sources());
    sources.sort(Comparator.comparing(s -> names.getOrDefault(s.peer(), "")));
    for (SourceStats s : sources) {
      b.append(' ').append(names.getOrDefault(s.peer(), "?")).append(' ').append(s.bytes() / 1024).append('K');
    }
    return b.toString();
  }

  /** '#' played, '=' fetched ahead, '.' not yet fetched. */
  private String bar(long played, long fetched, long length, int width) {
    int p = (int) (width * played / Math.max(1, length));
    int f = Math.max(p, (int) (width * Math.min(fetched, length) / Math.max(1, length)));
    return "#".repeat(p) + "=".repeat(f - p) + ".".repeat(width - f);
  }

  private String name(PeerId id) {
    return names.getOrDefault(id, id.toString().substring(0, 12));
  }

  @Override
  public void onSourceAdded(StreamSession s, PeerId source) {
    line("source " + name(source) + " added");
  }

  @Override
  public void onStarted(StreamSession s) {
    line("first verified bytes after " + Text.millis(s.stats().timeToFirstByte() == null
        ? Duration.ZERO : s.stats().timeToFirstByte()));
  }

  @Override
  public void onSourceDropped(StreamSession s, PeerId source, String reason) {
    line("source " + name(source) + " dropped (" + reason + "); the others take over");
  }

  @Override
  public void onSourceFallback(StreamSession s, PeerId source, String from, String to, String reason) {
    line("source " + name(source) + ": " + from + " unavailable, using " + to + " (" + reason + ")");
  }

  @Override
  public void onSourceBanned(StreamSession s, PeerId source, String reason) {
    line("source " + name(source) + " banned: " + reason);
  }

  @Override
  public void onStalled(StreamSession s) {
    line("playback stalled: waiting for data");
  }

  @Override
  public void onResumed(StreamSession s) {
    line("playback resumed");
  }
}
