package io.loudp2p;

import static org.assertj.core.api.Assertions.assertThat;

import japicmp.cmp.JApiCmpArchive;
import japicmp.cmp.JarArchiveComparator;
import japicmp.cmp.JarArchiveComparatorOptions;
import japicmp.config.Options;
import japicmp.model.JApiClass;
import japicmp.model.JApiCompatibilityChange;
import japicmp.model.JApiMethod;
import japicmp.output.semver.SemverOut;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API check the build runs (japicmp against the committed baseline, {@code api-baseline/}),
 * with the same comparator: the API as built keeps every type and member of the baseline, and an
 * API from which {@code Peer.metrics()} is removed is caught as a change that needs a new major
 * version (the build's rule) while its version stays the same.
 */
class ApiCompatibilityTest {
  private static final Path BASELINE = Path.of("api-baseline", "loudp2p-api-0.1.0.jar");
  private static final Path CLASSES = Path.of("target", "classes");

  @Test
  void theApiAsBuiltBreaksNothingOfTheBaseline(@TempDir Path dir) throws IOException {
    Path built = jar(CLASSES, null, dir.resolve("built.jar"));

    List<JApiClass> changes = compare(built);

    assertThat(incompatible(changes)).as("changes that break binary or source compatibility")
        .isEmpty();
    assertThat(semver(changes)).isIn(SemverOut.SEMVER_COMPATIBLE, SemverOut.SEMVER_PATCH,
        SemverOut.SEMVER_MINOR);
  }

  @Test
  void aMethodRemovedFromPeerIsCaughtAsABreakingChange(@TempDir Path dir) throws IOException {
    Path source = dir.resolve("src/io/loudp2p/Peer.java");
    Files.createDirectories(source.getParent());
    String peer = Files.readString(Path.of("src/main/java/io/loudp2p/Peer.java"));
    assertThat(peer).contains("  PeerMetrics metrics();\n");
    Files.writeString(source, peer.replace("  PeerMetrics metrics();\n", ""));
    Path out = Files.createDirectories(dir.resolve("out"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, "-proc:none", "-d", out.toString(), "-cp",
        CLASSES + java.io.File.pathSeparator + System.getProperty("java.class.path"),
        source.toString());
    assertThat(rc).as("javac").isZero();
    Path broken = jar(CLASSES, out, dir.resolve("broken.jar"));

    List<JApiClass> changes = compare(broken);

    assertThat(incompatible(changes)).contains("io.loudp2p.Peer.metrics: METHOD_REMOVED");
    assertThat(semver(changes)).isEqualTo(SemverOut.SEMVER_MAJOR);
  }

  private static List<JApiClass> compare(Path jar) {
    JarArchiveComparator comparator = new JarArchiveComparator(new JarArchiveComparatorOptions());
    return comparator.compare(new JApiCmpArchive(BASELINE.toFile(), "0.1.0"),
        new JApiCmpArchive(jar.toFile(), "0.1.0"));
  }

  /** "class.method: CHANGE" for each incompatible change of a class or one of its methods. */
  private static List<String> incompatible(List<JApiClass> classes) {
    List<String> found = new ArrayList<>();
    for (JApiClass c : classes) {
      for (JApiCompatibilityChange change : c.getCompatibilityChanges()) {
        if (!change.isBinaryCompatible() || !change.isSourceCompatible()) {
          found.add(c.getFullyQualifiedName() + ": " + change.getType());
        }
      }
      for (JApiMethod m : c.getMethods()) {
        for (JApiCompatibilityChange change : m.getCompatibilityChanges()) {
          if (!change.isBinaryCompatible() || !change.isSourceCompatible()) {
            found.add(c.getFullyQualifiedName() + "." + m.getName() + ": " + change.getType());
          }
        }
      }
    }
    return found;
  }

  private static String semver(List<JApiClass> classes) {
    return new SemverOut(Options.newDefault(), classes).generate();
  }

  /** A jar of {@code classes}, with the class files of {@code overrides} in place of theirs. */
  private static Path jar(Path classes, Path overrides, Path jar) throws IOException {
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file);
        Stream<Path> all = Files.walk(classes)) {
      for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
        String name = classes.relativize(p).toString().replace('\\', '/');
        Path replacement = overrides == null ? null : overrides.resolve(name);
        boolean replaced = replacement != null && Files.exists(replacement);
        out.putNextEntry(new JarEntry(name));
        out.write(Files.readAllBytes(replaced ? replacement : p));
        out.closeEntry();
      }
    }
    return jar;
  }
}
