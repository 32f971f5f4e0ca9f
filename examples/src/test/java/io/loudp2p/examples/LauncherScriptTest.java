package io.loudp2p.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script {@code examples/loudp2p}: its first run records a class data sharing archive
 * for the jar and the java it runs, later runs start from that archive, a command's output and
 * exit status pass through untouched (the JVM's own warnings never reach standard output), a new
 * jar gets a new archive in place of the old, and {@code LOUDP2P_CDS=off} makes none.
 */
@Timeout(120)
class LauncherScriptTest {
  private static final Path SCRIPT = Path.of(System.getProperty("basedir", "."), "loudp2p");

  @TempDir Path tmp;

  /** What the test jar runs: prints its arguments, exits with status 3. */
  public static final class Echo {
    private Echo() {}

    public static void main(String[] args) {
      System.out.println("echo " + String.join(" ", args));
      System.exit(3);
    }
  }

  private record Ran(int status, String out, String err) {}

  @Test
  void theFirstRunRecordsAnArchiveThatLaterRunsStartFromAndANewJarGetsItsOwn() throws Exception {
    Path jar = echoJar();
    Path cache = tmp.resolve("cache");
    Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString(),
        "LOUDP2P_JAR", jar.toString());

    Ran first = run(env, "a", "b c");
    assertThat(first.status()).as("%s", first).isEqualTo(3);
    assertThat(first.out()).isEqualTo("echo a b c" + System.lineSeparator());
    List<Path> archives = archives(cache);
    assertThat(archives).singleElement().satisfies(a -> assertThat(Files.size(a)).isPositive());

    // -Xshare:on: the JVM refuses to start unless it can map the archive; the class log says
    // where the jar's class came from (on standard error, as every JVM log line).
    Ran second = run(with(env, "LOUDP2P_JAVA_OPTS", "-Xshare:on -Xlog:class+load=info:stderr"),
        "again");
    assertThat(second.status()).as("%s", second).isEqualTo(3);
    assertThat(second.out()).isEqualTo("echo again" + System.lineSeparator());
    assertThat(second.err()).contains(Echo.class.getName() + " source: shared objects file (top)");
    assertThat(archives(cache)).isEqualTo(archives);

    // A rebuilt jar: a new archive, and the old one goes.
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
    Ran rebuilt = run(env, "new");
    assertThat(rebuilt.out()).isEqualTo("echo new" + System.lineSeparator());
    assertThat(archives(cache)).hasSize(1).doesNotContainAnyElementsOf(archives);
  }

  @Test
  void withCdsOffItRecordsNothing() throws Exception {
    Path cache = tmp.resolve("cache");
    Ran ran = run(Map.of("XDG_CACHE_HOME", cache.toString(), "LOUDP2P_JAR",
        echoJar().toString(), "LOUDP2P_CDS", "off"), "x");
    assertThat(ran.status()).isEqualTo(3);
    assertThat(ran.out()).isEqualTo("echo x" + System.lineSeparator());
    assertThat(cache).doesNotExist();
  }

  @Test
  void aMissingJarIsOneLineSayingHowToBuildIt() throws Exception {
    Ran ran = run(Map.of("LOUDP2P_JAR", tmp.resolve("none.jar").toString()), "x");
    assertThat(ran.status()).isEqualTo(1);
    assertThat(ran.err()).contains("none.jar is missing; build it with: mvn -B -q -DskipTests"
        + " package");
  }

  private static Map<String, String> with(Map<String, String> env, String key, String value) {
    Map<String, String> more = new java.util.HashMap<>(env);
    more.put(key, value);
    return more;
  }

  private static List<Path> archives(Path cache) throws IOException {
    try (Stream<Path> files = Files.list(cache.resolve("loudp2p"))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".jsa")).sorted().toList();
    }
  }

  /** A jar of {@link Echo} alone, its main class. */
  private Path echoJar() throws IOException {
    Path jar = tmp.resolve("echo.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Echo.class.getName());
    String entry = Echo.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest);
        InputStream in = Echo.class.getClassLoader().getResourceAsStream(entry)) {
      assertThat(in).as(entry).isNotNull();
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }

  private Ran run(Map<String, String> env, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("sh", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectOutput(tmp.resolve("out").toFile())
        .redirectError(tmp.resolve("err").toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the launcher ended").isTrue();
    return new Ran(p.exitValue(), Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8),
        Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8));
  }
}
