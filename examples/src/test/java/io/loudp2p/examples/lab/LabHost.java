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
 */
public final class LabHost {
  private final Lab lab;
  private final String name;
  private final String namespace;
  private final int index;
  private volatile LinkProfile profile;
  private volatile InetAddress address;
  /** How many times the host moved: its address is {@code 10.77.<index>.<2 + moves>}. */
  private int moves;

  LabHost(Lab lab, String name, String namespace, int index, LinkProfile profile,
      InetAddress address) {
    this.lab = lab;
    this.name = name;
    this.namespace = namespace;
    this.index = index;
    this.profile = profile;
    this.address = address;
  }

  public String name() {
    return name;
  }

  /** The network namespace that is this host. */
  public String namespace() {
    return namespace;
  }

  int index() {
    return index;
  }

  public LinkProfile profile() {
    return profile;
  }

  /** The host's address now. */
  public InetAddress address() {
    return address;
  }

  /** Records a move of the host to another network: its new address and link. */
  synchronized InetAddress moved(LinkProfile to) {
    moves++;
    profile = to;
    address = addressOf("10.77." + index + "." + (2 + moves));
    return address;
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
    return start(label, javaCommand(mainClass, args));
  }

  /** The command that runs {@code mainClass} of this class path in a new JVM, with {@code args}. */
  public static List<String> javaCommand(String mainClass, String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
        "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), mainClass));
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

  /** The port the lab's peers listen on, each on its own host. */
  public static final int PEER_PORT = 7070;

  /** Where this host's peer listens: {@code address:7070}. */
  public String peerAddress() {
    return address().getHostAddress() + ":" + PEER_PORT;
  }

  /**
   * Starts {@code loudp2p share FOLDER} on this host, listening at {@link #peerAddress()}, with an
   * identity file of its own in {@code stateDir}, joining through {@code bootstrap} ({@code
   * host:port}; null for none).
   */
  public LabProcess share(Path folder, Path stateDir, @Nullable String bootstrap)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("share", folder.toString(), "--listen",
        peerAddress(), "--identity", stateDir.resolve(name + "-identity").toString()));
    if (bootstrap != null) {
      args.addAll(List.of("--bootstrap", bootstrap));
    }
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
    return name + " (" + profile.name() + ", " + address.getHostAddress() + ")";
  }
}
