package io.loudp2p.core.network;

import io.loudp2p.PeerId;
import io.loudp2p.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.HashSet;
import org.jspecify.annotations.Nullable;

/**
 * A Cyclon peer-sampling view: a bounded set of FULL peers' records that periodic shuffles keep
 * random, fresh and connected.
 *
 * <p>A shuffle: age every entry by one, take the oldest neighbour out of the view, and send it this
 * peer's own record and {@link #SHUFFLE_LENGTH} - 1 random entries; it answers with up to {@link
 * #SHUFFLE_LENGTH} random entries of its own view and merges what it got, and so does the
 * initiator. When the view is full, received records take the places of the entries sent. A
 * neighbour that does not answer is not put back: dead peers leave views by themselves.
 *
 * <p>Admission: a record of this peer itself, of a LIGHT peer, one that expired or expires more
 * than a day (plus clock skew) ahead is refused; a higher sequence replaces a lower one; at most
 * {@link #MAX_PER_SOURCE} entries learnt from one peer and {@link #MAX_PER_BLOCK} entries in one
 * address block (/24 IPv4, /48 IPv6) are kept, so no single peer or network can fill the view.
 * Signatures and sizes are checked before records reach here.
 *
 * <p>Identities are free, so counts and caps alone do not keep an attacker with many of them out
 * of a view: Cyclon's view fills with whoever pushes hardest. So every FULL record this peer hears
 * of is also shown to a {@link HistorySample}, whose choice is a uniform draw over the distinct
 * peers heard of, however often each was pushed (Brahms). The peers this peer routes to and
 * announces itself to, its {@link #neighbours()}, are the history sample's, topped up from the
 * Cyclon view while the sample has fewer distinct peers than the view has room for; the Cyclon
 * view goes on shuffling underneath, to spread records and find dead peers. A sampled peer that
 * has not been heard from itself for {@link #PROBE_AFTER} rounds is shuffled with too
 * ({@link #startProbe}); one that does not answer leaves the sample, and the sampler's next lowest
 * rank takes its place. Pushing harder wins an attacker
 * nothing; only its share of the identities counts.
 *
 * <p>Thread-safe; time is passed in.
 */
public final class PeerSampler {
  /** Entries kept by default. */
  public static final int DEFAULT_VIEW_SIZE = 20;
  /** Records sent in one shuffle, the sender's own included. */
  public static final int SHUFFLE_LENGTH = 8;
  /** Rounds a sampled peer outside the view may go unheard from before it is shuffled with. */
  public static final int PROBE_AFTER = 3;
  /** Most view entries learnt from one peer (not counting that peer's own record). */
  public static final int MAX_PER_SOURCE = 4;
  /** Most view entries with their first address in one /24 (IPv4) or /48 (IPv6). */
  public static final int MAX_PER_BLOCK = 2;
  /**
   * The oldest age a received entry is taken at; older claims are cut to it, so that no sender can
   * make its entries wrap around to "youngest" or be picked first for ever.
   */
  public static final int MAX_AGE = 1024;
  /** The age a record passed on outside a shuffle enters the view with: older than most entries. */
  public static final int RELAYED_AGE = DEFAULT_VIEW_SIZE;
  /** How far ahead a record may expire: the opener's one day plus its two minutes of skew. */
  public static final long MAX_RECORD_AHEAD_MS =
      Duration.ofDays(1).plus(Duration.ofMinutes(2)).toMillis();

  /** What {@link #offer} did with a record. */
  public enum Admission {
    /** A new neighbour. */
    ADDED,
    /** A newer record of a neighbour replaced the older one. */
    REPLACED,
    /** Known already with this sequence or a higher one. */
    UNCHANGED,
    /** Refused: self, LIGHT, invalid at this time, over a cap, or the view is full. */
    REFUSED
  }

  /** A view entry as it travels in a shuffle: the record and its age in shuffle rounds. */
  public record Entry(NodeRecord record, int age) {}

  /** A shuffle to send: to whom, and the entries of this view to send (without the own record). */
  public record ShuffleStart(NodeRecord target, List<Entry> sample) {}

  private static final class Slot {
    NodeRecord record;
    int age;
    final PeerId source;

    Slot(NodeRecord record, PeerId source, int age) {
      this.record = record;
      this.source = source;
      this.age = age;
    }
  }

  private final PeerId self;
  private final int viewSize;
  private final Random random;
  private final Map<PeerId, Slot> view = new LinkedHashMap<>();
  private final Map<PeerId, List<PeerId>> pending = new HashMap<>();
  private final HistorySample history;
  /** Shuffle rounds since each sampled peer was last heard from itself. */
  private final Map<PeerId, Integer> sampledAges = new HashMap<>();
  /** Sampled peers heard from themselves since they were sampled: only these are neighbours. */
  private final Set<PeerId> confirmed = new HashSet<>();

  /** An empty view of {@code viewSize} entries for peer {@code self}. */
  public PeerSampler(PeerId self, int viewSize, Random random) {
    if (viewSize < 1) {
      throw new IllegalArgumentException("view size must be positive: " + viewSize);
    }
    this.self = Objects.requireNonNull(self, "self");
    this.viewSize = viewSize;
    this.random = Objects.requireNonNull(random, "random");
    this.history = new HistorySample(viewSize, random);
  }

  /** The most entries the view holds. */
  public int viewSize() {
    return viewSize;
  }

  /**
   * Learns a record outside a shuffle (a greeting): added while there is room. A peer's own record
   * enters with age 0; one passed on by another peer (from its table, not its view) with age
   * {@link #RELAYED_AGE}, since nobody knows how long ago its peer was last heard from: it is
   * among the first shuffled with, so that it leaves the view soon if that peer is gone.
   *
   * @param source the peer that passed it on (the peer itself for its own record)
   */
  public synchronized Admission offer(NodeRecord record, PeerId source, long nowMs) {
    return admit(record, source, source.equals(record.id()) ? 0 : RELAYED_AGE, nowMs, null);
  }

  /** Starts a shuffle with the oldest neighbour, or returns null when the view is empty. */
  public synchronized @Nullable ShuffleStart startShuffle(long nowMs) {
    purge(nowMs);
    Slot oldest = null;
    for (Slot s : view.values()) {
      s.age = Math.min(MAX_AGE, s.age + 1);
      if (oldest == null || s.age > oldest.age) {
        oldest = s;
      }
    }
    // Sampled peers count the rounds since they were last heard from themselves: see startProbe.
    // (A view entry's age cannot tell: others pass on a dead peer's record with a young age.)
    Set<PeerId> keep = new HashSet<>();
    for (NodeRecord r : history.sample()) {
      keep.add(r.id());
      sampledAges.merge(r.id(), 1, (a, b) -> Math.min(MAX_AGE, a + b));
    }
    sampledAges.keySet().retainAll(keep);
    confirmed.retainAll(keep);
    if (oldest == null) {
      return null;
    }
    NodeRecord target = oldest.record;
    view.remove(target.id());
    List<Entry> sample = randomSlots(SHUFFLE_LENGTH - 1, target.id());
    List<PeerId> sent = new ArrayList<>();
    for (Entry e : sample) {
      sent.add(e.record().id());
    }
    pending.put(target.id(), sent);
    return new ShuffleStart(target, sample);
  }

  /**
   * Starts a second shuffle of the round, with the sampled peer heard from itself least lately,
   * when it has not been heard from for {@link #PROBE_AFTER} rounds; or returns null. The view's
   * own shuffles find its dead entries by their ages, but others keep passing on a dead peer's
   * record as young; this finds the history sample's dead by whether they answer. Call after
   * {@link #startShuffle}, at most once a round.
   */
  public synchronized @Nullable ShuffleStart startProbe(long nowMs) {
    NodeRecord probe = null;
    int probeAge = PROBE_AFTER - 1;
    boolean unconfirmed = false;
    for (NodeRecord r : history.sample()) {
      Integer age = sampledAges.get(r.id());
      if (pending.containsKey(r.id()) || r.id().equals(self) || age == null || !r.validAt(nowMs)) {
        continue;
      }
      // A peer sampled but never heard from comes first: until it answers it is no neighbour.
      boolean fresh = !confirmed.contains(r.id());
      if (fresh && (!unconfirmed || age > probeAge) || !unconfirmed && !fresh && age > probeAge) {
        probe = r;
        probeAge = age;
        unconfirmed |= fresh;
      }
    }
    if (probe == null) {
      return null;
    }
    // Its age is reset only when it answers (or is otherwise heard from itself).
    List<Entry> sample = randomSlots(SHUFFLE_LENGTH - 1, probe.id());
    List<PeerId> sent = new ArrayList<>();
    for (Entry e : sample) {
      sent.add(e.record().id());
    }
    pending.put(probe.id(), sent);
    return new ShuffleStart(probe, sample);
  }

  /**
   * Answers a shuffle: picks the entries to send back, then merges what was received, in the
   * places of the entries sent back when the view is full.
   *
   * @param sender the initiator's own record, or null when it is LIGHT or failed checks
   * @param senderId the initiator
   * @param received the records it sent (its own aside)
   * @return the entries to answer with (without this peer's own record)
   */
  public synchronized List<Entry> answerShuffle(@Nullable NodeRecord sender, PeerId senderId,
      List<Entry> received, long nowMs) {
    purge(nowMs);
    List<Entry> reply = randomSlots(SHUFFLE_LENGTH, senderId);
    List<PeerId> swappable = new ArrayList<>();
    for (Entry e : reply) {
      swappable.add(e.record().id());
    }
    merge(sender, senderId, received, swappable, nowMs);
    return reply;
  }

  /** Merges the answer of a shuffle this peer started, in the places of the entries it sent. */
  public synchronized void completeShuffle(PeerId target, @Nullable NodeRecord targetRecord,
      List<Entry> received, long nowMs) {
    List<PeerId> swappable = pending.remove(target);
    merge(targetRecord, target, received, swappable == null ? new ArrayList<>() : swappable, nowMs);
  }

  /** A shuffle target did not answer: it stays out of the view and the history sample. */
  public synchronized void shuffleFailed(PeerId target) {
    pending.remove(target);
    forget(target);
  }

  /** Forgets a peer found dead or no longer FULL. */
  public synchronized void remove(PeerId id) {
    forget(id);
  }

  private void forget(PeerId id) {
    Slot s = view.remove(id);
    NodeRecord sampled = null;
    for (NodeRecord r : history.sample()) {
      if (r.id().equals(id)) {
        sampled = r;
      }
    }
    long sequence = Math.max(s == null ? 0 : s.record.sequence(),
        sampled == null ? 0 : sampled.sequence());
    history.gone(id, sequence);
  }

  /** The peers the history sample has chosen; for measurements. */
  public synchronized List<NodeRecord> historySample() {
    return history.sample();
  }

  /**
   * Shows the history sample a FULL peer's checked record learnt outside this view (a search hit's
   * source, a record in the peer table), so that the sample draws from every peer heard of.
   */
  public synchronized void observe(NodeRecord record, long nowMs) {
    if (!record.id().equals(self) && record.validAt(nowMs) && record.role() == Role.FULL) {
      history.offer(record, false);
    }
  }

  /**
   * The neighbours: the history sample's peers, then Cyclon view entries while there is room, up
   * to the view's size.
   */
  public synchronized List<NodeRecord> neighbours() {
    List<NodeRecord> out = history.sample();
    out.removeIf(r -> r.id().equals(self) || !confirmed.contains(r.id()));
    if (out.size() < viewSize) {
      Set<PeerId> in = new HashSet<>();
      for (NodeRecord r : out) {
        in.add(r.id());
      }
      // The view entries heard of most lately first: the least likely to have left.
      List<Slot> rest = new ArrayList<>();
      for (Slot s : view.values()) {
        if (!in.contains(s.record.id())) {
          rest.add(s);
        }
      }
      Collections.shuffle(rest, random);
      rest.sort(java.util.Comparator.comparingInt(s -> s.age));
      for (Slot s : rest.subList(0, Math.min(viewSize - out.size(), rest.size()))) {
        out.add(s.record);
      }
    }
    return out;
  }

  /** Up to {@code n} neighbours chosen at random. */
  public synchronized List<NodeRecord> sample(int n) {
    List<NodeRecord> all = neighbours();
    Collections.shuffle(all, random);
    return new ArrayList<>(all.subList(0, Math.min(n, all.size())));
  }

  /** The neighbour's record (in the view or the history sample), or null. */
  public synchronized @Nullable NodeRecord get(PeerId id) {
    Slot s = view.get(id);
    if (s != null) {
      return s.record;
    }
    for (NodeRecord r : history.sample()) {
      if (r.id().equals(id)) {
        return r;
      }
    }
    return null;
  }

  /** Whether {@code id} is in the Cyclon view itself (not only in the history sample). */
  synchronized boolean inCyclonView(PeerId id) {
    return view.containsKey(id);
  }

  /** How many neighbours there are. */
  public synchronized int size() {
    return neighbours().size();
  }

  private void merge(@Nullable NodeRecord sender, PeerId senderId, List<Entry> received,
      List<PeerId> swappable, long nowMs) {
    if (sender != null) {
      admit(sender, senderId, 0, nowMs, swappable);
    }
    int n = 0;
    for (Entry e : received) {
      if (++n > SHUFFLE_LENGTH) {
        break;
      }
      admit(e.record(), senderId, Math.min(MAX_AGE, Math.max(0, e.age())), nowMs, swappable);
    }
  }

  private Admission admit(NodeRecord record, PeerId source, int age, long nowMs,
      @Nullable List<PeerId> swappable) {
    PeerId id = record.id();
    if (id.equals(self) || !record.validAt(nowMs)) {
      return Admission.REFUSED;
    }
    if (!source.equals(id) && history.isGone(id, record.sequence())) {
      return Admission.REFUSED; // found gone: others' copies of its record do not bring it back
    }
    if (record.role() == Role.LIGHT) {
      history.invalidate(id);
    } else {
      history.offer(record, source.equals(id));
    }
    if (source.equals(id)) {
      sampledAges.put(id, 0); // heard from the peer itself
      confirmed.add(id);
    }
    Slot known = view.get(id);
    if (known != null) {
      known.age = Math.min(known.age, age);
      if (record.sequence() <= known.record.sequence()) {
        return Admission.UNCHANGED;
      }
      if (record.role() == Role.LIGHT) {
        view.remove(id);
        return Admission.REFUSED;
      }
      long block = record.addressBlock();
      if (block != 0 && block != known.record.addressBlock() && countBlock(block) >= MAX_PER_BLOCK) {
        return Admission.REFUSED;
      }
      known.record = record;
      return Admission.REPLACED;
    }
    if (record.role() == Role.LIGHT) {
      return Admission.REFUSED;
    }
    if (!source.equals(id) && countSource(source) >= MAX_PER_SOURCE) {
      return Admission.REFUSED;
    }
    long block = record.addressBlock();
    if (block != 0 && countBlock(block) >= MAX_PER_BLOCK) {
      return Admission.REFUSED;
    }
    if (view.size() >= viewSize) {
      PeerId victim = null;
      while (swappable != null && !swappable.isEmpty() && victim == null) {
        PeerId candidate = swappable.remove(swappable.size() - 1);
        if (view.containsKey(candidate)) {
          victim = candidate;
        }
      }
      if (victim == null) {
        return Admission.REFUSED;
      }
      view.remove(victim);
    }
    view.put(id, new Slot(record, source, age));
    return Admission.ADDED;
  }

  private int countSource(PeerId source) {
    int n = 0;
    for (Slot s : view.values()) {
      if (s.source.equals(source) && !s.record.id().equals(source)) {
        n++;
      }
    }
    return n;
  }

  private int countBlock(long block) {
    int n = 0;
    for (Slot s : view.values()) {
      if (s.record.addressBlock() == block) {
        n++;
      }
    }
    return n;
  }

  private void purge(long nowMs) {
    view.values().removeIf(s -> !s.record.validAt(nowMs));
    history.purge(nowMs);
  }

  /**
   * Up to {@code n} random neighbours to send in a shuffle, with their ages: drawn from the
   * neighbours (the history sample first), not the bare Cyclon view, so that what honest peers tell
   * each other is as unbiased as their samples are.
   */
  private List<Entry> randomSlots(int n, @Nullable PeerId except) {
    List<Entry> all = new ArrayList<>(viewSize);
    for (NodeRecord r : neighbours()) {
      if (!r.id().equals(except)) {
        Slot s = view.get(r.id());
        // Never younger than the rounds since the peer was heard from itself.
        int age = Math.max(s != null ? s.age : 0, sampledAges.getOrDefault(r.id(), 0));
        all.add(new Entry(s != null ? s.record : r, age));
      }
    }
    Collections.shuffle(all, random);
    return new ArrayList<>(all.subList(0, Math.min(n, all.size())));
  }
}
