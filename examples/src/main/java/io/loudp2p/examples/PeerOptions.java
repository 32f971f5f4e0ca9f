package io.loudp2p.examples;

import io.loudp2p.Loudp2pException;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.PeerInfo;
import io.loudp2p.Role;
import io.loudp2p.spi.TransportSettings;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options every command that runs a peer shares: identity, addresses, bootstrap, cache. */
final class PeerOptions {
  @Option(
      names = "--identity",
      paramLabel = "FILE",
      description = "The identity file (default: a fresh identity for this run only).")
  @Nullable Path identity;

  @Option(
      names = {"-b", "--bootstrap"},
      paramLabel = "[PEERID@]HOST:PORT",
      description = "A peer to join the network through, with its ID when known (only that peer"
          + " is accepted there; 'share' prints it); repeatable.",
      converter = BootstrapPeer.Parser.class)
  List<BootstrapPeer> bootstrap = new ArrayList<>();

  /** A bootstrap entry: an address, and the ID of the peer expected there when given. */
  record BootstrapPeer(@Nullable PeerId id, InetSocketAddress address) {
    /** Parses {@code [PEERID@]HOST:PORT}. */
    static final class Parser implements CommandLine.ITypeConverter<BootstrapPeer> {
      @Override
      public BootstrapPeer convert(String value) {
        int at = value.indexOf('@');
        if (at < 0) {
          return new BootstrapPeer(null, HostPort.parse(value));
        }
        PeerId id;
        try {
          id = PeerId.parse(value.substring(0, at));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.TypeConversionException("'" + value.substring(0, at)
              + "' is not a peer ID: " + e.getMessage());
        }
        return new BootstrapPeer(id, HostPort.parse(value.substring(at + 1)));
      }
    }

    /** {@code PEERID@HOST:PORT}, or {@code HOST:PORT} without an ID. */
    String format() {
      return (id == null ? "" : id + "@") + HostPort.format(address);
    }
  }

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description = "Where to listen (default: ${DEFAULT-VALUE}; port 0 picks a free one).",
      defaultValue = "127.0.0.1:0",
      converter = HostPort.class)
  InetSocketAddress listen;

  /** Transport settings a command adds (such as {@code share --web}); none by default. */
  final List<TransportSettings> transports = new ArrayList<>();

  @Option(
      names = "--cache",
      paramLabel = "DIR",
      description = "Keep played tracks in DIR and serve them to others (default: no cache).")
  @Nullable Path cache;

  /** Refuses to go on without a bootstrap peer: a command that asks the network needs one. */
  void requireBootstrap() {
    if (bootstrap.isEmpty()) {
      throw new UserError(UserError.USAGE,
          "name a peer to ask with --bootstrap HOST:PORT (a running 'loudp2p share')");
    }
  }

  /** Starts a peer with these options; errors a person can fix become {@link UserError}s. */
  Peer start(Role role, List<Path> shares) {
    return start(role, shares, null);
  }

  /**
   * Starts a peer with these options, keeping its chunks in {@code partialCache} (a {@link
   * PartialCache}'s folder) when given and no {@code --cache} was.
   */
  Peer start(Role role, List<Path> shares, @Nullable Path partialCache) {
    Peer.Builder b = Peer.builder().role(role).listen(listen);
    if (identity != null) {
      b.identityFile(identity);
    }
    for (BootstrapPeer a : bootstrap) {
      if (a.id() == null) {
        b.bootstrap(a.address());
      } else {
        b.bootstrap(a.id(), a.address());
      }
    }
    for (Path s : shares) {
      b.share(s);
    }
    for (TransportSettings t : transports) {
      b.transport(t);
    }
    if (cache != null) {
      checkCache(cache);
      b.cache(cache, 1L << 30);
    } else if (partialCache != null) {
      b.cache(partialCache, PartialCache.MAX_BYTES);
    }
    Peer peer;
    try {
      peer = b.build(); // loads the identity file
    } catch (Loudp2pException e) {
      throw new UserError(UserError.FAILURE, e.getMessage(), e);
    }
    try {
      peer.start();
    } catch (Loudp2pException e) {
      peer.close();
      if (causedBy(e, BindException.class)) {
        throw new UserError(UserError.FAILURE, "cannot listen on " + HostPort.format(listen)
            + ": the port is busy; choose another with --listen HOST:PORT", e);
      }
      throw new UserError(UserError.FAILURE, e.getMessage(), e);
    }
    if (!bootstrap.isEmpty() && peer.peers().stream().noneMatch(PeerInfo::reachable)) {
      peer.close();
      List<String> names = new ArrayList<>();
      for (BootstrapPeer a : bootstrap) {
        names.add(a.format());
      }
      throw new UserError(UserError.FAILURE, "no bootstrap peer answered (" + String.join(", ", names)
          + "); check the address and that a peer runs there ('loudp2p share')");
    }
    return peer;
  }

  /**
   * Makes the cache folder when it is missing.
   *
   * @throws UserError when it cannot be made, is not a folder or cannot be written, in one line
   */
  static void checkCache(Path folder) {
    String what = "cannot use the cache folder " + folder + ": ";
    try {
      Files.createDirectories(folder);
    } catch (FileAlreadyExistsException e) {
      throw new UserError(UserError.FAILURE, what + "it is a file", e);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UserError(UserError.FAILURE, what + "it cannot be made there", e);
    } catch (IOException | SecurityException e) {
      throw new UserError(UserError.FAILURE, what + (e instanceof IOException io
          ? StreamOutput.reason(io) : "permission denied"), e);
    }
    if (!Files.isWritable(folder)) {
      throw new UserError(UserError.FAILURE, what + "it is not writable");
    }
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c) || (c.getMessage() != null && c.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  /** Parses {@code HOST:PORT}, {@code [v6]:PORT} or {@code PORT} (on 127.0.0.1). */
  static final class HostPort implements CommandLine.ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) throws Exception {
      return parse(value);
    }

    static InetSocketAddress parse(String value) {
      String host = "127.0.0.1";
      String port = value;
      int colon = value.lastIndexOf(':');
      if (colon >= 0) {
        host = value.substring(0, colon);
        port = value.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
          host = host.substring(1, host.length() - 1);
        }
      }
      int p;
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not HOST:PORT");
      }
      if (p < 0 || p > 65535 || host.isEmpty()) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not HOST:PORT");
      }
      try {
        return new InetSocketAddress(InetAddress.getByName(host), p);
      } catch (UnknownHostException e) {
        throw new CommandLine.TypeConversionException("unknown host '" + host + "'");
      }
    }

    static String format(InetSocketAddress a) {
      String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
      return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }
  }
}
