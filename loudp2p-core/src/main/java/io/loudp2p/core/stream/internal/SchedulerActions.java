package io.loudp2p.core.stream.internal;

import io.loudp2p.StreamSession;
import io.loudp2p.core.internal.Loggers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link ChunkScheduler}'s actions for a {@link StreamSessionAgent}: asks its
 * sources for chunks or cancels them, drops or bans sources (said in the log and to the
 * listener), and hands a chunk that cannot be fetched back to the agent, which decides whether the
 * session fails. On the agent thread only.
 */
final class SchedulerActions {
  private static final Logger log = LoggerFactory.getLogger(Loggers.STREAM);

  private final StreamSessionAgent agent;
  private final StreamSession.Listener listener;

  /** Makes the actions of {@code agent}, whose listener hears of dropped and banned sources. */
  SchedulerActions(StreamSessionAgent agent, StreamSession.Listener listener) {
    this.agent = agent;
    this.listener = listener;
  }

  /** Carries out {@code action}. */
  void run(ChunkScheduler.Action action) {
    switch (action.kind()) {
      case REQUEST:
        source(action).request(action.chunk());
        break;
      case CANCEL:
        source(action).cancel(action.chunk());
        break;
      case SOURCE_DROPPED:
        source(action).drop();
        log.info("{}: dropped source {} ({})", agent.manifest().trackId(),
            source(action).spec.peer(), action.reason());
        listener.onSourceDropped(agent.owner(), source(action).spec.peer(),
            String.valueOf(action.reason()));
        break;
      case SOURCE_BANNED:
        source(action).drop();
        log.warn("{}: banned source {} ({})", agent.manifest().trackId(),
            source(action).spec.peer(), action.reason());
        listener.onSourceBanned(agent.owner(), source(action).spec.peer(),
            String.valueOf(action.reason()));
        break;
      case FAILED:
        agent.cannotFetch(action.chunk(), action.reason());
        break;
      default:
        break;
    }
  }

  private SessionSource source(ChunkScheduler.Action action) {
    return agent.sources().get(action.source());
  }
}
