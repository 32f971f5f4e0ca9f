package io.loudp2p.core.internal;

/**
 * The names the core logs under: one per component, not per class, so that a name in an
 * application's logging configuration keeps working when code moves between classes. The README's
 * logging section says what each one logs; the transports log under names of their own below
 * {@link #TRANSPORT} ({@code io.loudp2p.transport.grpc}, {@code io.loudp2p.transport.udp}).
 */
public final class Loggers {
  /** The peer itself: bootstrap, its role, control answers refused (debug). */
  public static final String PEER = "io.loudp2p.peer";

  /** Peer exchange: shuffles, greetings of lost peers, records and summaries ignored (debug). */
  public static final String DISCOVERY = "io.loudp2p.discovery";

  /** This host as the network sees it: its addresses, its UDP mapping, its reachability. */
  public static final String NETWORK = "io.loudp2p.network";

  /** Searches: this peer's keyword summary, hit listeners, queries forwarded (debug). */
  public static final String SEARCH = "io.loudp2p.search";

  /** Tracks played: where from, sources refused or left out, sessions that failed. */
  public static final String STREAM = "io.loudp2p.stream";

  /** What this peer serves: shared files that cannot be read or changed since the scan. */
  public static final String SERVE = "io.loudp2p.serve";

  /** The shared folders: files skipped by a scan, the catalog file, catalog listeners. */
  public static final String CATALOG = "io.loudp2p.catalog";

  /** The chunk cache on disk: damaged tracks and chunks, writes that failed, evictions (debug). */
  public static final String CACHE = "io.loudp2p.cache";

  /** Which transport providers are found and used; the parent of the transports' own names. */
  public static final String TRANSPORT = "io.loudp2p.transport";

  private Loggers() {}
}
