package io.loudp2p;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The local index of tracks: the shared folders, the tracks found in them by content, and keyword
 * search over their metadata.
 *
 * <p>Scans run in the background and one at a time; their futures complete with a
 * {@link ScanReport}, or fail with a {@link Loudp2pException}. Implementations are thread-safe:
 * lookups and searches may run on any thread at any time, including during a scan, and see either
 * the catalog before the scan or after it, never a mix.
 *
 * <p>A peer's catalog starts scanning the peer's shared folders when the peer starts, without
 * holding up {@link Peer#start()}: until {@link #ready()} completes, the peer answers searches and
 * stream requests from what is indexed so far (what the catalog file in the peer's cache folder
 * kept from the last run, or nothing).
 */
public interface Catalog {
  /** The most results one search returns. */
  int MAX_RESULTS = 1000;

  /**
   * Completes when the folders the catalog started with (a peer's shared folders) have been
   * scanned, with the report of that scan (files added, unchanged, skipped and why); at once when
   * it started with none. A shared folder that vanished before its scan is not a failure: the
   * report lists it as skipped. Each call returns a new future; cancelling it affects no other.
   *
   * @return the first scan's report; exceptionally (a {@link Loudp2pException}, {@link
   *     Loudp2pException.Code#CLOSED} when the catalog closed first) when it could not finish
   */
  CompletableFuture<ScanReport> ready();

  /**
   * Adds a folder (scanned recursively) and scans it. Adding a folder already present scans it
   * again.
   *
   * @return completes with the scan's report, or exceptionally with a {@link Loudp2pException}
   *     ({@link Loudp2pException.Code#INVALID} when {@code folder} is not a readable directory)
   */
  CompletableFuture<ScanReport> addFolder(Path folder);

  /**
   * Removes a folder and the tracks found only under it.
   *
   * @return completes with a report counting the removed files; nothing happens when the folder
   *     was not in the catalog
   */
  CompletableFuture<ScanReport> removeFolder(Path folder);

  /**
   * Scans every folder again, picking up added, changed and deleted files. Files whose path, size
   * and modification time are unchanged are not read again.
   */
  CompletableFuture<ScanReport> rescan();

  /** The folders in the catalog, in the order added. */
  List<Path> folders();

  /** The track with this ID, if the catalog holds it. */
  Optional<Track> track(TrackId id);

  /**
   * Finds tracks whose title, artist or album contain every word of {@code query}, ignoring case
   * and accents ("beyonce" finds "Beyoncé"); a word also matches as the start of a longer word.
   * Results are ranked: matches in title and artist above album, exact words above prefixes.
   *
   * @param query words separated by spaces or punctuation
   * @param limit the most results wanted, from 1 to {@link #MAX_RESULTS}
   * @return the best matches first; empty when the query has no words
   * @throws IllegalArgumentException when the query is too long or has too many words, or
   *     {@code limit} is out of range; the message names the limit
   */
  List<SearchResult> search(String query, int limit);

  /** The number of distinct tracks in the catalog. */
  int size();

  /**
   * Registers {@code listener} for catalog events; registering the same listener twice has no
   * further effect.
   */
  void addListener(Listener listener);

  /** Stops sending events to {@code listener}. */
  void removeListener(Listener listener);

  /**
   * Receives catalog events. Methods do nothing unless overridden, so events can be added without
   * breaking implementations.
   *
   * <p>Called on the thread that ran the scan, after its result is visible to lookups and searches;
   * a listener should return quickly. An exception thrown by a listener is logged and ignored.
   */
  abstract class Listener {
    /** A listener that ignores every event. */
    public static final Listener NONE = new Listener() {};

    /** Called when a scan, folder addition or folder removal has finished. */
    public void onCatalogChanged(ScanReport report) {}
  }
}
