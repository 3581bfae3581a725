package io.jcri.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.images.ImageException.Reason;
import io.jcri.images.reference.Reference;
import io.jcri.images.registry.Manifests;
import io.jcri.images.registry.RegistryClient;
import io.jcri.images.registry.StallGuard;
import io.jcri.images.store.ContentStore;
import io.jcri.images.store.Leases;
import io.jcri.images.store.Snapshots;
import io.jcri.images.store.WriteBehind;
import io.jcri.sys.NamedStep;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * One pull: manifest (through an index if need be), config, then every missing layer fetched by
 * {@link LayerFetcher}, all leased until the record is saved. Layers run in parallel; two pulls
 * needing the same snapshot share one transfer.
 */
final class Puller {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_CONFIG_BYTES = 8 << 20;

  private volatile RegistryClient client;
  private final ContentStore content;
  private final Snapshots snapshots;
  private volatile ImageOptions options;
  private final LayerFetcher layerFetcher;
  private final Map<String, CompletableFuture<Void>> inflight = new ConcurrentHashMap<>();
  private final Leases leases;
  private final PullProgress progress;

  /** What a pull produced, before it becomes a record. */
  record Pulled(
      String configDigest,
      byte[] config,
      List<String> manifestDigests,
      String topDigest,
      List<String> layerDigests,
      List<String> diffIds,
      long size) {}

  Puller(
      RegistryClient client,
      ContentStore content,
      Snapshots snapshots,
      Leases leases,
      ImageOptions options,
      PullProgress progress,
      WriteBehind writeBehind) {
    this.progress = progress;
    this.client = client;
    this.content = content;
    this.snapshots = snapshots;
    this.leases = leases;
    this.options = options;
    this.layerFetcher =
        new LayerFetcher(content, snapshots, options.maxParallelLayers(), progress, writeBehind);
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

  Image pull(Reference ref, Credentials auth, Commit commit)
      throws IOException, InterruptedException {
    List<String> leased = new ArrayList<>();
    PullProgress.Tracker tracker = progress.begin(ref);
    Throwable failure = null;
    try {
      return commit.save(fetch(ref, auth, leased, tracker));
    } catch (Throwable e) {
      failure = e;
      throw e;
    } finally {
      progress.end(tracker, failure);
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

  private Pulled fetch(
      Reference ref, Credentials auth, List<String> leased, PullProgress.Tracker tracker)
      throws IOException, InterruptedException {
    RegistryClient client = this.client; // one configuration for the whole pull
    ImageOptions options = this.options;
    RegistryClient.Manifest top = client.manifest(ref, ref.manifestKey(), auth).value();
    List<String> manifestDigests = new ArrayList<>();
    RegistryClient.Manifest manifest = top;
    if (Manifests.kind(top) == Manifests.Kind.INDEX) {
      lease(leased, top.digest());
      NamedStep.PULL_IMAGE_MANIFEST_WRITE.run(() -> content.write(top.digest(), top.body()));
      manifestDigests.add(top.digest());
      Manifests.Descriptor chosen =
          Manifests.select(top.body(), options.os(), options.architecture(), options.variant());
      manifest = client.manifest(ref, chosen.digest(), auth).value();
      if (Manifests.kind(manifest) != Manifests.Kind.IMAGE) {
        throw new ImageException(
            Reason.UNSUPPORTED, "index entry " + chosen.digest() + " is not an image manifest");
      }
    }
    lease(leased, manifest.digest());
    RegistryClient.Manifest chosenManifest = manifest;
    NamedStep.PULL_IMAGE_MANIFEST_WRITE.run(
        () -> content.write(chosenManifest.digest(), chosenManifest.body()));
    manifestDigests.add(manifest.digest());
    Manifests.ImageManifest image = Manifests.image(manifest.body());

    String configDigest = image.config().digest();
    lease(leased, configDigest);
    byte[] config;
    if (content.has(configDigest)) {
      config = content.read(configDigest);
    } else {
      try (InputStream in = client.blob(ref, configDigest, auth).value()) {
        config =
            ContentStore.readVerified(in, configDigest, image.config().size(), MAX_CONFIG_BYTES);
      } catch (StallGuard.Stalled e) {
        throw stalled(ref, configDigest, e);
      }
      byte[] fetched = config;
      NamedStep.PULL_IMAGE_CONFIG_WRITE.run(() -> content.write(configDigest, fetched));
    }
    List<String> diffIds = diffIds(config);
    if (diffIds.size() != image.layers().size()) {
      throw new ImageException(
          Reason.REGISTRY,
          "image "
              + ref
              + " lists "
              + image.layers().size()
              + " layers but its config "
              + diffIds.size()
              + " diff IDs");
    }
    List<String> chainIds = Snapshots.chainIds(diffIds);
    List<PullProgress.Planned> planned = new ArrayList<>();
    for (int i = 0; i < image.layers().size(); i++) {
      planned.add(
          new PullProgress.Planned(
              image.layers().get(i).digest(), chainIds.get(i), image.layers().get(i).size()));
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
        layers.add(
            shared(
                chainId,
                () -> layerFetcher.fetch(client, tracker, ref, auth, layer, diffId, chainId)));
      }
    }
    awaitAll(layers);
    return new Pulled(
        configDigest,
        config,
        manifestDigests,
        top.digest(),
        image.layers().stream().map(Manifests.Descriptor::digest).toList(),
        diffIds,
        size);
  }

  /**
   * The transfer that fills chainId: the one already running, or fetch started on a new thread. It
   * leaves the table before it completes, so a pull never joins a finished one by mistake.
   */
  private CompletableFuture<Void> shared(String chainId, Runnable fetch) {
    NamedStep.Breakdown steps = NamedStep.current(); // the layer's steps count for its pull
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> running = inflight.putIfAbsent(chainId, mine);
    if (running != null) {
      return running;
    }
    Thread.ofVirtual()
        .name("layer")
        .start(
            () -> {
              try {
                if (steps == null) {
                  fetch.run();
                } else {
                  steps.join(fetch);
                }
                inflight.remove(chainId, mine);
                mine.complete(null);
              } catch (Throwable t) {
                inflight.remove(chainId, mine);
                mine.completeExceptionally(t);
              }
            });
    return mine;
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

  private static void awaitAll(List<CompletableFuture<Void>> layers)
      throws IOException, InterruptedException {
    ImageException first = null;
    for (CompletableFuture<Void> f : layers) {
      try {
        f.get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (first == null) {
          first =
              cause instanceof ImageException ie
                  ? ie
                  : new ImageException(Reason.STORAGE, String.valueOf(cause.getMessage()), cause);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  static ImageException stalled(Reference ref, String digest, StallGuard.Stalled e) {
    return new ImageException(
        Reason.DEADLINE, "pull of " + ref + " cancelled: blob " + digest + " " + e.getMessage());
  }
}
