package io.loudp2p.core.peer;

import io.loudp2p.TrackId;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.internal.LruMap;
import io.loudp2p.core.peer.SourceOpener.Opened;
import io.loudp2p.core.peer.SourceOpener.Opens;
import io.loudp2p.core.stream.internal.RealStreamSession;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vote of a track's sources on its size (PROTOCOL.md section 3, stream initiation). The track
 * ID commits to the chunks but not, on its own, to the size a manifest states: a manifest that
 * lies about it (within its last chunk) passes the root check and would make the last chunk fail
 * at every honest source. Each source states the size in its accept; the size most state wins.
 *
 * <p>A session starts on the first source that agrees with the manifest ({@link #startWhen}), so
 * that a second holder on a cold connection does not delay the first chunk by its handshakes. The
 * vote goes on as the other sources answer ({@link #check}): when the sources outvote the manifest
 * the session ends, long before its last chunk is due, and the track is remembered as contested,
 * so that its next stream waits for the vote to settle and plays the manifest most sources agree
 * with. Thread-safe.
 */
final class SizeVote {
  private static final Logger log = LoggerFactory.getLogger(Loggers.STREAM);

  /** How many contested tracks are remembered, the least recent forgotten first. */
  static final int MAX_CONTESTED = 256;

  /** Tracks whose sources outvoted the manifest a session had started on; guarded by itself. */
  private final Map<TrackId, Boolean> contested =
      Collections.synchronizedMap(new LruMap<>(MAX_CONTESTED));
  /** Told of each track whose manifest was refuted, to forget what it kept of it. */
  private final Consumer<TrackId> onRefuted;

  /** A vote that tells {@code onRefuted} of each track whose manifest the sources refuted. */
  SizeVote(Consumer<TrackId> onRefuted) {
    this.onRefuted = onRefuted;
  }

  /**
   * Completes when a session of {@code track} may start on {@code opens}: at the first source
   * that agrees with {@code manifestSize} ({@link #firstAgreeing}), or, for a contested track,
   * once the vote is {@link #settled}.
   */
  CompletableFuture<?> startWhen(TrackId track, Opens opens, long manifestSize) {
    return contested.containsKey(track) ? settled(opens, manifestSize)
        : firstAgreeing(opens, manifestSize);
  }

  /** Whether a session of {@code track} was refuted by its sources' vote (and not forgotten). */
  boolean contested(TrackId track) {
    return contested.containsKey(track);
  }

  /**
   * Ends {@code session}, started on {@code manifest} before the vote of {@code opens} was
   * settled, once it is settled and the sources outvote the manifest's size; the track is then
   * remembered as contested. Called as each of the sources answers, before its answer reaches the
   * session, so that the session ends for the vote rather than for want of the sources it leaves
   * out.
   */
  void check(RealStreamSession session, Manifest manifest, Opens opens) {
    if (!decided(opens, manifest.size(), false)) {
      return;
    }
    List<Opened> answered = new ArrayList<>();
    for (CompletableFuture<@Nullable Opened> f : opens.each()) {
      Opened o = f.getNow(null);
      if (o != null) {
        answered.add(o);
      }
    }
    long most = majoritySize(answered, manifest.size());
    if (most != manifest.size()) {
      contested.put(manifest.trackId(), Boolean.TRUE);
      onRefuted.accept(manifest.trackId());
      session.refute("most sources of " + manifest.trackId() + " state " + most
          + " bytes for it, not the " + manifest.size() + " its manifest states; stream the"
          + " track again to play the manifest they agree on");
    }
  }

  /**
   * Completes when the sources that accepted are enough to vote on the track's size: when the
   * sources stating one size (those stating none count for {@code manifestSize}) are more than
   * half of those not known to have refused, or when every source answered. The first to accept
   * cannot decide the size alone, so that a holder that lies about it and answers first does not
   * make the session its own.
   */
  static CompletableFuture<?> settled(Opens opens, long manifestSize) {
    return whenVotes(opens, manifestSize, false);
  }

  /**
   * Completes as soon as one source that accepted agrees with {@code manifestSize} (states it, or
   * states none), or when the vote is {@link #settled}.
   */
  static CompletableFuture<?> firstAgreeing(Opens opens, long manifestSize) {
    return whenVotes(opens, manifestSize, true);
  }

  private static CompletableFuture<?> whenVotes(Opens opens, long manifestSize,
      boolean oneAgreeing) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    for (CompletableFuture<@Nullable Opened> f : opens.each()) {
      f.thenRun(() -> {
        if (decided(opens, manifestSize, oneAgreeing)) {
          done.complete(null);
        }
      });
    }
    opens.all().thenRun(() -> done.complete(null));
    return done;
  }

  /**
   * Whether the answers so far decide the vote: one size (no size stated counts for {@code
   * manifestSize}) has more than half of the sources not known to have refused, every source
   * answered, or, with {@code oneAgreeing}, one source agrees with {@code manifestSize}.
   */
  private static boolean decided(Opens opens, long manifestSize, boolean oneAgreeing) {
    Map<Long, Integer> votes = new HashMap<>();
    int live = 0;
    int answered = 0;
    for (CompletableFuture<@Nullable Opened> f : opens.each()) {
      Opened o = f.getNow(null);
      if (f.isDone()) {
        answered++;
      }
      if (!f.isDone() || o != null) {
        live++;
      }
      if (o != null) {
        votes.merge(o.size() == 0 ? manifestSize : o.size(), 1, Integer::sum);
      }
    }
    if (answered == opens.each().size() || oneAgreeing && votes.containsKey(manifestSize)) {
      return true;
    }
    for (int v : votes.values()) {
      if (2 * v > live) {
        return true;
      }
    }
    return false;
  }

  /** The size stated by most sources (ties go to {@code manifestSize}); unstated sizes abstain. */
  static long majoritySize(List<Opened> ready, long manifestSize) {
    Map<Long, Integer> votes = new HashMap<>();
    for (Opened o : ready) {
      if (o.size() > 0) {
        votes.merge(o.size(), 1, Integer::sum);
      }
    }
    long best = manifestSize;
    int bestVotes = votes.getOrDefault(manifestSize, 0);
    for (Map.Entry<Long, Integer> e : votes.entrySet()) {
      if (e.getValue() > bestVotes) {
        best = e.getKey();
        bestVotes = e.getValue();
      }
    }
    return best;
  }

  /** Whether {@code o} may serve {@code manifest}: it states its size, or none; else says so. */
  static boolean agrees(Opened o, Manifest manifest) {
    if (o.agreesWith(manifest.size())) {
      return true;
    }
    log.warn("leaving out {}: it states {} bytes for {}, not {}", o.entry().record().peerId(),
        o.size(), manifest.trackId(), manifest.size());
    return false;
  }
}
