package io.loudp2p.core.catalog;

import io.loudp2p.core.catalog.internal.CatalogEntry;
import io.loudp2p.core.catalog.internal.CatalogStore;
import io.loudp2p.core.internal.Loggers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog file of a {@link LocalCatalog}: loads the snapshot it holds when the catalog opens
 * and saves every snapshot the catalog publishes, through {@link CatalogStore}.
 *
 * <p>A file that cannot be loaded loads as the empty snapshot ({@link CatalogStore} says why); a
 * save that fails is logged and the catalog goes on in memory. Holds no mutable state; the caller
 * saves one snapshot at a time.
 */
final class CatalogFile {
  /** The catalog's own logger: its warnings are the catalog's. */
  private static final Logger log = LoggerFactory.getLogger(Loggers.CATALOG);

  private final Path file;

  CatalogFile(Path file) {
    this.file = file;
  }

  /** The snapshot the file holds, or {@link CatalogSnapshot#EMPTY}. */
  CatalogSnapshot load() {
    Optional<CatalogStore.Contents> contents = CatalogStore.load(file);
    if (contents.isEmpty()) {
      return CatalogSnapshot.EMPTY;
    }
    Map<Path, CatalogEntry> byPath = new HashMap<>();
    for (CatalogEntry e : contents.get().entries()) {
      byPath.put(e.path(), e);
    }
    return CatalogSnapshot.of(contents.get().folders(), byPath);
  }

  /** Replaces the file's contents with {@code snapshot}; a failure is logged, not thrown. */
  void save(CatalogSnapshot snapshot) {
    List<CatalogEntry> entries = new ArrayList<>(snapshot.byPath().values());
    entries.sort(Comparator.comparing(CatalogEntry::path));
    try {
      CatalogStore.save(file, new CatalogStore.Contents(snapshot.folders(), entries));
    } catch (IOException e) {
      log.warn("Cannot save the catalog to {}: {}", file, e.toString());
    }
  }
}
