package io.loudp2p.core.testing;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportDescriptor;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportSettings;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * A third data transport that no code outside the tests knows of: chunks travel on an {@link
 * InMemoryTransport}, but the transport names itself {@link #WIRE_KIND} on the wire, is preferred
 * over every other one, has a session endpoint of its own and exchanges ephemeral keys, as a
 * transport with its own sockets and encryption would. It records the keys it sees, so a test can
 * tell that the signed open and accept carried them.
 *
 * <p>Thread-safe; closing it closes the in-memory transport it runs on.
 */
public final class FakeDataTransport implements DataTransport {
  /** The provider's name. */
  public static final String NAME = "fake";

  /** The transport's number on the wire: one the protocol does not define. */
  public static final int WIRE_KIND = 9;

  /** How the transport appears in stream messages. */
  public static final DataTransportDescriptor DESCRIPTOR =
      DataTransportDescriptor.builder(WIRE_KIND).preference(9).sessionKeys().build();

  /** The length of the keys it exchanges. */
  public static final int KEY_LENGTH = 32;

  /** The settings the fake transport takes. */
  public record Settings(int tag) implements TransportSettings {
    @Override
    public String providerName() {
      return NAME;
    }

    @Override
    public String artifact() {
      return "io.loudp2p:loudp2p-transport-fake";
    }
  }

  private final InMemoryTransport on;
  private final byte[] key;
  private final @Nullable Settings settings;
  private final List<byte[]> receiverKeysPrepared = new CopyOnWriteArrayList<>();
  private final List<byte[]> sourceKeysOpened = new CopyOnWriteArrayList<>();
  private final List<int[]> firstWantsOpened = new CopyOnWriteArrayList<>();
  private volatile @Nullable ChunkProvider servedProvider;

  private FakeDataTransport(InMemoryTransport on, byte keyByte, @Nullable Settings settings) {
    this.on = on;
    this.key = new byte[KEY_LENGTH];
    Arrays.fill(key, keyByte);
    this.settings = settings;
  }

  /**
   * A provider whose transport runs on {@code on} and announces keys of {@code keyByte}; the
   * transport it made last is at {@link Provider#made()}.
   */
  public static Provider provider(InMemoryTransport on, byte keyByte) {
    return new Provider(on, keyByte);
  }

  /** This side's key: {@link #KEY_LENGTH} bytes of the provider's key byte. */
  public byte[] key() {
    return key.clone();
  }

  /** The settings it was made with, or null. */
  public @Nullable Settings settings() {
    return settings;
  }

  /** The receivers' keys its servers prepared sessions for. */
  public List<byte[]> receiverKeysPrepared() {
    return List.copyOf(receiverKeysPrepared);
  }

  /** The sources' keys it opened sessions with. */
  public List<byte[]> sourceKeysOpened() {
    return List.copyOf(sourceKeysOpened);
  }

  /** The chunks asked for in each opening, in the order of the openings. */
  public List<int[]> firstWantsOpened() {
    return List.copyOf(firstWantsOpened);
  }

  /** The chunk provider the last server was made with, or null. */
  public @Nullable ChunkProvider servedProvider() {
    return servedProvider;
  }

  @Override
  public byte[] prepare(DataSessionId id) {
    return key.clone();
  }

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, DataSession.Listener listener) {
    return on.open(source, id, handshake, listener);
  }

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, byte[] sourceKey, DataSession.Listener listener) {
    sourceKeysOpened.add(sourceKey.clone());
    return on.open(source, id, handshake, listener);
  }

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, byte[] sourceKey, int[] firstWants, DataSession.Listener listener) {
    firstWantsOpened.add(firstWants.clone());
    return open(source, id, handshake, sourceKey, listener);
  }

  @Override
  public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
    servedProvider = provider;
    return on.serve(address, provider).thenApply(Server::new);
  }

  @Override
  public void close() {
    on.close();
  }

  /** A server that prepares each session at its own address, announcing the transport's key. */
  private final class Server implements DataServer {
    private final DataServer inner;

    Server(DataServer inner) {
      this.inner = inner;
    }

    @Override
    public DataOffer prepare(DataSessionId id, byte[] receiverKey) {
      receiverKeysPrepared.add(receiverKey.clone());
      return new DataOffer(inner.address(), key);
    }

    @Override
    public InetSocketAddress address() {
      return inner.address();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  /** Makes {@link FakeDataTransport}s; reads {@link Settings}, refuses settings of other types. */
  public static final class Provider extends FixedDataTransportProvider {
    private final InMemoryTransport on;
    private final byte keyByte;
    private volatile @Nullable FakeDataTransport made;

    Provider(InMemoryTransport on, byte keyByte) {
      super(NAME, DESCRIPTOR);
      this.on = on;
      this.keyByte = keyByte;
    }

    /** The transport made last, or null. */
    public @Nullable FakeDataTransport made() {
      return made;
    }

    @Override
    public DataTransport create(TransportOptions options) {
      FakeDataTransport t = new FakeDataTransport(on, keyByte, options.settings(Settings.class));
      made = t;
      return t;
    }
  }
}
