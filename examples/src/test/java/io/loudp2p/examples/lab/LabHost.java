package io.loudp2p.examples.lab;

import io.loudp2p.examples.Main;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A host of the lab: a network namespace with one interface, {@code eth0}, linked to the lab's
 * router through the host's {@link LinkProfile}. Programs started here see only this host's
 * network.
 *
 * <p>A host behind {@link Nat}s is a chain of namespaces: the one linked to the router (its edge,
 * the outermost NAT box, which has the host's {@link #publicAddress()}), then one per NAT behind
 * it, each on a private subnet of its own; programs run in the innermost one, with its private
 * {@link #address()}. The link, its delay and rates are the edge's: they apply to everything
 * behind it.
 */
public final class LabHost {
  private final Lab lab;
  private final String name;
  private final String namespace;
  private final String edgeNamespace;
  private final int index;
  private final List<Nat> nats;
  /** The innermost address, behind the NATs; null without NAT (the public one is the host's). */
  private final @Nullable InetAddress privateAddress;
  private volatile LinkProfile profile;
  private volatile InetAddress publicAddress;
  /** How many times the host moved: its public address is {@code 10.77.<index>.<2 + moves>}. */
  private int moves;

  LabHost(Lab lab, String name, String edgeNamespace, String namespace, int index,
      LinkProfile profile, InetAddress publicAddress, List<Nat> nats,
      @Nullable InetAddress privateAddress) {
    this.lab = lab;
    this.name = name;
    this.edgeNamespace = edgeNamespace;
    this.namespace = namespace;
    this.index = index;
    this.profile = profile;
    this.publicAddress = publicAddress;
    this.nats = List.copyOf(nats);
    this.privateAddress = privateAddress;
  }

  public String name() {
    return name;
  }

  /** The network namespace that is this host: where its programs run (behind its NATs, if any). */
  public String namespace() {
    return namespace;
  }

  /**
   * The namespace with the host's link to the router: its outermost NAT box, or {@link
   * #namespace()} itself when it has no NAT.
   */
  String edgeNamespace() {
    return edgeNamespace;
  }

  /** The NATs the host is behind, outermost first; empty when it has its public address itself. */
  public List<Nat> nats() {
    return nats;
  }

  int index() {
    return index;
  }

  public LinkProfile profile() {
    return profile;
  }

  /**
   * The host's address now, as its programs have it: behind NATs, a private one that no other host
   * reaches.
   */
  public InetAddress address() {
    InetAddress inside = privateAddress;
    return inside != null ? inside : publicAddress;
  }

  /**
   * The address the rest of the lab sees the host's packets come from: its edge's, on the link to
   * the router; {@link #address()} when it has no NAT.
   */
  public InetAddress publicAddress() {
    return publicAddress;
  }

  /** Records a move of the host to another network: its new public address and link. */
  synchronized InetAddress moved(LinkProfile to) {
    moves++;
    profile = to;
    publicAddress = addressOf("10.77." + index + "." + (2 + moves));
    return publicAddress;
  }

  /** Starts {@code command} on this host; its output goes to a log in the lab's folder. */
  public LabProcess start(String label, List<String> command) throws IOException {
    return lab.track(new LabProcess(name + "/" + label, Shell.in(namespace, command),
        lab.logFile(name + "-" + label)));
  }

  /**
   * Starts {@code mainClass} of this test class path in a new JVM on this host, with {@code args}.
   */
  public LabProcess startJava(String label, String mainClass, String... args) throws IOException {
    return start(label, javaCommand(lab.jvmOptions(), mainClass, args));
  }

  /** The command that runs {@code mainClass} of this class path in a new JVM, with {@code args}. */
  public static List<String> javaCommand(String mainClass, String... args) {
    return javaCommand(List.of(), mainClass, args);
  }

  private static List<String> javaCommand(List<String> options, String mainClass, String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
        "java").toString(), "-Xmx256m", "-XX:+UseSerialGC"));
    command.addAll(options);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Starts {@code command} on this host with its standard output a pipe to read (standard error
   * to the lab's log): for timing its first byte. The lab kills it on close, if it is still alive.
   */
  public Process spawn(String label, List<String> command) throws IOException {
    Process p = new ProcessBuilder(Shell.in(namespace, command))
        .redirectError(lab.logFile(name + "-" + label).toFile()).start();
    lab.track(() -> p.destroyForcibly().waitFor());
    return p;
  }

  /** The bytes this host has sent on its link so far (its {@code eth0}'s counter). */
  public long bytesSent() {
    return Long.parseLong(run("cat", "/sys/class/net/eth0/statistics/tx_bytes").trim());
  }

  /** The port the lab's peers listen on, each on its own host. */
  public static final int PEER_PORT = 7070;

  /** Where this host's peer listens: {@code address:7070}. */
  public String peerAddress() {
    return address().getHostAddress() + ":" + PEER_PORT;
  }

  /**
   * Starts {@code loudp2p share FOLDER} on this host, listening at {@link #peerAddress()}, with an
   * identity file of its own in {@code stateDir}, joining through {@code bootstrap} ({@code
   * host:port}; null for none), with the command's further {@code options}.
   */
  public LabProcess share(Path folder, Path stateDir, @Nullable String bootstrap,
      String... options) throws IOException {
    List<String> args = new ArrayList<>(List.of("share", folder.toString(), "--listen",
        peerAddress(), "--identity", stateDir.resolve(name + "-identity").toString()));
    if (bootstrap != null) {
      args.addAll(List.of("--bootstrap", bootstrap));
    }
    args.addAll(List.of(options));
    return startJava("share", Main.class.getName(), args.toArray(new String[0]));
  }

  /** Runs {@code command} on this host to its end, checking its exit status; what it printed. */
  public String run(String... command) {
    return Shell.run(Shell.in(namespace, List.of(command)));
  }

  static InetAddress addressOf(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  @Override
  public String toString() {
    return name + " (" + profile.name() + ", " + address().getHostAddress()
        + (nats.isEmpty() ? "" : " behind " + nats + " at " + publicAddress.getHostAddress())
        + ")";
  }
}
