package io.loudp2p.core.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map that holds at most {@code capacity} entries and forgets the least recently used first.
 *
 * <p>Not thread-safe: owners guard it.
 */
public final class LruMap<K, V> extends LinkedHashMap<K, V> {
  private static final long serialVersionUID = 1L;

  private final int capacity;

  /** An empty map bounded to {@code capacity} entries. */
  public LruMap(int capacity) {
    super(capacity * 4 / 3 + 1, 0.75f, true);
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  @Override
  protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
    return size() > capacity;
  }
}
