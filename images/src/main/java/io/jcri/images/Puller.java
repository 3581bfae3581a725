package io.jcri.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.images.ImageException.Reason;
import io.jcri.images.reference.Reference;
import io.jcri.images.registry.Digests;
import io.jcri.images.registry.Manifests;
import io.jcri.images.registry.RegistryClient;
import io.jcri.images.registry.StallGuard;
import io.jcri.images.store.ContentStore;
import io.jcri.images.store.Leases;
import io.jcri.images.store.Snapshots;
import io.jcri.images.unpack.LayerUnpacker;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * One pull: manifest (through an index if need be), config, then every missing layer streamed
 * from the registry straight into its snapshot while the blob is hashed and kept. Layers run in
 * parallel up to the configured bound; two pulls needing the same snapshot share one transfer.
 */
final class Puller {
  private static final Logger LOG = Logger.getLogger(Puller.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_CONFIG_BYTES = 8 << 20;

  private volatile RegistryClient client;
  private final ContentStore content;
  private final Snapshots snapshots;
  private volatile ImageOptions options;
  private final Semaphore layerSlots;
  private final Map<String, CompletableFuture<Void>> inflight = new ConcurrentHashMap<>();
  private final Leases leases;
  private final PullProgress progress;

  /** What a pull produced, before it becomes a record. */
  record Pulled(String configDigest, byte[] config, List<String> manifestDigests, String topDigest,
                List<String> layerDigests, List<String> diffIds, long size) {}

  Puller(RegistryClient client, ContentStore content, Snapshots snapshots, Leases leases, ImageOptions options,
         PullProgress progress) {
    this.progress = progress;
    this.client = client;
    this.content = content;
    this.snapshots = snapshots;
    this.leases = leases;
    this.options = options;
    this.layerSlots = new Semaphore(options.maxParallelLayers());
  }

  /**
   * New registries, mirrors, auth file, platform and stall timeout for the pulls that start from
   * now on (a config reload); the layer bound stays as started.
   */
  synchronized void reconfigure(ImageOptions next) {
    client = new RegistryClient(next);
    options = next;
  }

  /** Saves what a pull produced while its blobs and snapshots are still leased. */
  interface Commit {
    Image save(Pulled pulled) throws IOException;
  }

  Image pull(Reference ref, Credentials auth, Commit commit) throws IOException, InterruptedException {
    List<String> leased = new ArrayList<>();
    PullProgress.Tracker tracker = progress.begin(ref);
    try {
      return commit.save(fetch(ref, auth, leased, tracker));
    } finally {
      progress.end(tracker);
      leases.release(leased);
    }
  }

  /**
   * Holds a blob or snapshot the pull is about to look for, use or write, until its record is
   * saved: garbage collection leaves it alone, and a check after this call sees it whole or absent.
   */
  private void lease(List<String> leased, String digestOrChainId) {
    leases.acquire(List.of(digestOrChainId));
    leased.add(digestOrChainId);
  }

  private Pulled fetch(Reference ref, Credentials auth, List<String> leased, PullProgress.Tracker tracker)
      throws IOException, InterruptedException {
    RegistryClient client = this.client; // one configuration for the whole pull
    ImageOptions options = this.options;
    RegistryClient.Manifest top = client.manifest(ref, ref.manifestKey(), auth).value();
    List<String> manifestDigests = new ArrayList<>();
    RegistryClient.Manifest manifest = top;
    if (Manifests.kind(top) == Manifests.Kind.INDEX) {
      lease(leased, top.digest());
      content.write(top.digest(), top.body());
      manifestDigests.add(top.digest());
      Manifests.Descriptor chosen = Manifests.select(top.body(), options.os(), options.architecture(),
          options.variant());
      manifest = client.manifest(ref, chosen.digest(), auth).value();
      if (Manifests.kind(manifest) != Manifests.Kind.IMAGE) {
        throw new ImageException(Reason.UNSUPPORTED, "index entry " + chosen.digest() + " is not an image manifest");
      }
    }
    lease(leased, manifest.digest());
    content.write(manifest.digest(), manifest.body());
    manifestDigests.add(manifest.digest());
    Manifests.ImageManifest image = Manifests.image(manifest.body());

    String configDigest = image.config().digest();
    lease(leased, configDigest);
    byte[] config;
    if (content.has(configDigest)) {
      config = content.read(configDigest);
    } else {
      try (InputStream in = client.blob(ref, configDigest, auth).value()) {
        config = ContentStore.readVerified(in, configDigest, image.config().size(), MAX_CONFIG_BYTES);
      } catch (StallGuard.Stalled e) {
        throw stalled(ref, configDigest, e);
      }
      content.write(configDigest, config);
    }
    List<String> diffIds = diffIds(config);
    if (diffIds.size() != image.layers().size()) {
      throw new ImageException(Reason.REGISTRY, "image " + ref + " lists " + image.layers().size()
          + " layers but its config " + diffIds.size() + " diff IDs");
    }
    List<String> chainIds = Snapshots.chainIds(diffIds);
    List<PullProgress.Planned> planned = new ArrayList<>();
    for (int i = 0; i < image.layers().size(); i++) {
      planned.add(new PullProgress.Planned(image.layers().get(i).digest(), chainIds.get(i), image.layers().get(i).size()));
    }
    tracker.plan(planned);
    List<CompletableFuture<Void>> layers = new ArrayList<>();
    long size = image.config().size();
    for (int i = 0; i < image.layers().size(); i++) {
      Manifests.Descriptor layer = image.layers().get(i);
      size += layer.size();
      String chainId = chainIds.get(i);
      String diffId = diffIds.get(i);
      lease(leased, chainId);
      lease(leased, layer.digest());
      if (!snapshots.has(chainId)) {
        layers.add(shared(chainId, () -> fetchLayer(ref, auth, layer, diffId, chainId)));
      }
    }
    awaitAll(layers);
    return new Pulled(configDigest, config, manifestDigests, top.digest(),
        image.layers().stream().map(Manifests.Descriptor::digest).toList(), diffIds, size);
  }

  /**
   * The transfer that fills chainId: the one already running, or fetch started on a new thread.
   * It leaves the table before it completes, so a pull never joins a finished one by mistake.
   */
  private CompletableFuture<Void> shared(String chainId, Runnable fetch) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> running = inflight.putIfAbsent(chainId, mine);
    if (running != null) {
      return running;
    }
    Thread.ofVirtual().name("layer").start(() -> {
      try {
        fetch.run();
        inflight.remove(chainId, mine);
        mine.complete(null);
      } catch (Throwable t) {
        inflight.remove(chainId, mine);
        mine.completeExceptionally(t);
      }
    });
    return mine;
  }

  private void fetchLayer(Reference ref, Credentials auth, Manifests.Descriptor layer, String diffId, String chainId) {
    try {
      layerSlots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException(Reason.STORAGE, "interrupted");
    }
    long started = System.nanoTime();
    try {
      String source;
      if (content.has(layer.digest())) {
        source = "local";
        try (InputStream in = Files.newInputStream(content.path(layer.digest()))) {
          snapshots.create(chainId, dir -> checkDiffId(LayerUnpacker.unpack(in, dir), diffId, layer));
        }
      } else {
        RegistryClient.Fetched<InputStream> blob = client.blob(ref, layer.digest(), auth);
        source = blob.endpoint().base().toString();
        streamIntoSnapshot(blob.value(), layer, diffId, chainId);
      }
      double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
      LOG.info("event=layer_pulled image=" + ref + " digest=" + layer.digest() + " bytes=" + layer.size()
          + " seconds=" + String.format("%.3f", seconds) + " rate_mib_s="
          + String.format("%.1f", layer.size() / seconds / (1 << 20)) + " source=" + source);
    } catch (StallGuard.Stalled e) {
      throw stalled(ref, layer.digest(), e);
    } catch (IOException e) {
      throw new ImageException(Reason.STORAGE, "layer " + layer.digest() + " of " + ref + ": " + e.getMessage(), e);
    } finally {
      layerSlots.release();
    }
  }

  /** Registry bytes go to the blob file and, at the same time, into the unpacker. */
  private void streamIntoSnapshot(InputStream body, Manifests.Descriptor layer, String diffId, String chainId)
      throws IOException {
    Path temp = content.newTemp();
    try (InputStream in = progress.counting(layer.digest(), body); OutputStream blobFile = content.create(temp)) {
      MessageDigest sha = Digests.newSha256();
      Tee tee = new Tee(in, blobFile, sha, layer);
      try {
        snapshots.create(chainId, dir -> {
          checkDiffId(LayerUnpacker.unpack(tee, dir), diffId, layer);
          tee.transferTo(OutputStream.nullOutputStream()); // trailing bytes after the tar still count
          ContentStore.verify(sha, layer.digest(), layer.size(), tee.total);
        });
      } catch (StallGuard.Stalled e) {
        throw e;
      } catch (IOException e) {
        throw blame(e, tee, sha, layer);
      }
      blobFile.close();
      content.commit(temp, layer.digest());
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * A layer that fails to decompress or untar is the registry's fault when its bytes are not the
   * blob they claim to be; only then is the error reported as REGISTRY rather than as local.
   */
  private static IOException blame(IOException e, Tee tee, MessageDigest sha, Manifests.Descriptor layer) {
    try {
      tee.transferTo(OutputStream.nullOutputStream());
    } catch (ImageException | IOException ignored) {
      // the stream itself is broken: the checks below say how
    }
    if (tee.total != layer.size()) {
      throw new ImageException(Reason.REGISTRY, "blob " + layer.digest() + " is truncated: " + tee.total + " of "
          + layer.size() + " bytes (" + e.getMessage() + ")");
    }
    String actual = Digests.format(sha.digest());
    if (!actual.equals(layer.digest())) {
      throw new ImageException(Reason.REGISTRY, "blob " + layer.digest() + " arrived with digest " + actual);
    }
    return e;
  }

  private static void checkDiffId(LayerUnpacker.Result result, String diffId, Manifests.Descriptor layer) {
    if (!result.diffId().equals(diffId)) {
      throw new ImageException(Reason.REGISTRY, "layer " + layer.digest() + " unpacks to " + result.diffId()
          + " but the config says " + diffId);
    }
  }

  private static List<String> diffIds(byte[] config) throws IOException {
    JsonNode root = JSON.readTree(config);
    List<String> ids = new ArrayList<>();
    for (Iterator<JsonNode> it = root.path("rootfs").path("diff_ids").elements(); it.hasNext(); ) {
      String id = it.next().asText();
      if (!Reference.isSha256(id)) {
        throw new ImageException(Reason.UNSUPPORTED, "diff ID \"" + id + "\" is not sha256");
      }
      ids.add(id);
    }
    return ids;
  }

  private static void awaitAll(List<CompletableFuture<Void>> layers) throws IOException, InterruptedException {
    ImageException first = null;
    for (CompletableFuture<Void> f : layers) {
      try {
        f.get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (first == null) {
          first = cause instanceof ImageException ie ? ie
              : new ImageException(Reason.STORAGE, String.valueOf(cause.getMessage()), cause);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static ImageException stalled(Reference ref, String digest, StallGuard.Stalled e) {
    return new ImageException(Reason.DEADLINE, "pull of " + ref + " cancelled: blob " + digest + " " + e.getMessage());
  }

  /** Copies what is read into the blob file and the digest, and refuses more bytes than declared. */
  private static final class Tee extends FilterInputStream {
    private final OutputStream copy;
    private final MessageDigest sha;
    private final Manifests.Descriptor layer;
    long total;

    Tee(InputStream in, OutputStream copy, MessageDigest sha, Manifests.Descriptor layer) {
      super(in);
      this.copy = copy;
      this.sha = sha;
      this.layer = layer;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        total += n;
        if (total > layer.size()) {
          throw new ImageException(Reason.REGISTRY, "blob " + layer.digest() + " is longer than its declared "
              + layer.size() + " bytes");
        }
        sha.update(b, off, n);
        copy.write(b, off, n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      return read(new byte[(int) Math.min(n, 8192)], 0, (int) Math.min(n, 8192));
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
