package io.loudp2p.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The browser light client's page (built from {@code examples/web} and kept in this jar's
 * resources), copied to a folder of its own for a peer to serve beside gRPC-Web, and removed when
 * closed.
 */
final class WebPageFiles implements AutoCloseable {
  /** The page's files, as the page's build writes them. */
  static final List<String> FILES = List.of("index.html", "app.js", "sw.js", "favicon.svg");
  private static final String RESOURCES = "/io/loudp2p/examples/web/";

  private final Path folder;

  private WebPageFiles(Path folder) {
    this.folder = folder;
  }

  /**
   * Copies the page into a new temporary folder.
   *
   * @throws IOException when the folder cannot be written, or the page's index is not in the jar
   */
  static WebPageFiles extract() throws IOException {
    Path dir = Files.createTempDirectory("loudp2p-page-");
    WebPageFiles page = new WebPageFiles(dir);
    try {
      for (String name : FILES) {
        try (InputStream in = WebPageFiles.class.getResourceAsStream(RESOURCES + name)) {
          if (in != null) {
            Files.copy(in, dir.resolve(name));
          } else if (name.equals("index.html")) {
            throw new IOException("the web page is not in this build (no " + name + ")");
          }
        }
      }
      return page;
    } catch (IOException | RuntimeException e) {
      page.close();
      throw e;
    }
  }

  /** The folder that holds the page. */
  Path folder() {
    return folder;
  }

  @Override
  public void close() {
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + folder, e);
    }
  }
}
