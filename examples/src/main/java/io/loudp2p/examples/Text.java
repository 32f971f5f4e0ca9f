package io.loudp2p.examples;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Formatting for the terminal: tables, sizes, durations and a progress bar. */
final class Text {
  private Text() {}

  /**
   * Prints rows under a header in at most {@code maxWidth} columns: each column as wide as its
   * widest cell, then the widest ones narrowed in turn (none below its header's width or 6) until
   * the line fits; a cell cut short ends with an ellipsis. The columns numbered in {@code whole}
   * (from 0) are never narrowed: what is copied from them must stay whole.
   */
  static void table(PrintWriter out, List<String> header, List<List<String>> rows, int maxWidth,
      int... whole) {
    int n = header.size();
    int[] width = new int[n];
    int[] least = new int[n];
    for (int i = 0; i < n; i++) {
      least[i] = Math.max(header.get(i).length(), 6);
    }
    for (List<String> row : rows) {
      for (int i = 0; i < n; i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    int total = 2 * (n - 1);
    for (int i = 0; i < n; i++) {
      width[i] = Math.max(width[i], header.get(i).length());
      least[i] = Math.min(least[i], width[i]);
      total += width[i];
    }
    for (int i : whole) {
      least[i] = width[i];
    }
    while (total > maxWidth) {
      int widest = -1;
      for (int i = 0; i < n; i++) {
        if (width[i] > least[i] && (widest < 0 || width[i] > width[widest])) {
          widest = i;
        }
      }
      if (widest < 0) {
        break; // every column at its least: the line stays longer
      }
      width[widest]--;
      total--;
    }
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < n; i++) {
        line.append(pad(ellipsis(row.get(i), width[i]), width[i])).append(i < n - 1 ? "  " : "");
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }

  /** {@code s}, or its start and "…" in {@code width} characters when it is longer. */
  static String ellipsis(String s, int width) {
    if (s.length() <= width) {
      return s;
    }
    int keep = Math.max(0, width - 1);
    if (keep > 0 && Character.isHighSurrogate(s.charAt(keep - 1))) {
      keep--; // not half a character
    }
    return s.substring(0, keep) + "…";
  }

  /**
   * The terminal's width: the {@code COLUMNS} variable of {@code env} when set (20 at least),
   * else 100.
   */
  static int terminalWidth(java.util.Map<String, String> env) {
    try {
      int columns = Integer.parseInt(env.getOrDefault("COLUMNS", "").strip());
      return columns > 0 ? Math.max(columns, 20) : 100;
    } catch (NumberFormatException e) {
      return 100;
    }
  }

  /** {@code 1 track}, {@code 2 tracks}: the count and the word, plural when it is not 1. */
  static String count(long n, String one) {
    return count(n, one, one + "s");
  }

  /** {@code 1 search}, {@code 2 searches}: the count and the word, {@code many} when not 1. */
  static String count(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }

  static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  /** {@code 3:07}, or {@code 1:02:03}; "-" for zero. */
  static String duration(Duration d) {
    long s = d.getSeconds();
    if (s <= 0 && d.toMillis() == 0) {
      return "-";
    }
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  /** {@code 812 B}, {@code 1.4 MiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** Milliseconds with one decimal below ten. */
  static String millis(Duration d) {
    double ms = d.toNanos() / 1e6;
    return ms < 10 ? String.format(Locale.ROOT, "%.1f ms", ms) : String.format(Locale.ROOT, "%.0f ms", ms);
  }

  /** {@code [#########...........]  45%  1.2 MiB / 2.6 MiB}. */
  static String bar(String label, long done, long total, int width) {
    double f = total <= 0 ? 1 : Math.min(1, (double) done / total);
    int full = (int) Math.round(f * width);
    return String.format(Locale.ROOT, "%s [%s%s] %3d%%  %s / %s", label, "#".repeat(full),
        ".".repeat(width - full), Math.round(f * 100), bytes(done), bytes(total));
  }
}
