package io.jcri.images;

import io.jcri.images.ImageException.Reason;
import io.jcri.images.reference.Reference;
import io.jcri.images.registry.RegistryClient;
import io.jcri.images.store.ContentStore;
import io.jcri.images.store.Leases;
import io.jcri.images.store.Snapshots;
import io.jcri.images.store.WriteBehind;
import io.jcri.sys.FilesystemSync;
import io.jcri.sys.NamedStep;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The images of one node: pulled from registries into a content store and overlay snapshots under
 * {@code <root>/images}, with one record per image (by config digest) written atomically. A record
 * exists only once all its blobs and snapshots do, so a crash never leaves an image that looks
 * complete; what a crash does leave is removed by {@link #open}.
 */
public final class ImageStore {
  private static final Logger LOG = Logger.getLogger(ImageStore.class.getName());

  private final Path root;
  private final Path imagesDir;
  private final ContentStore content;
  private final Snapshots snapshots;
  private final Puller puller;
  private final PullProgress progress;
  private final WriteBehind writeBehind;
  private final Leases leases = new Leases();
  private final ImageRecords images;
  private final ImageGc gc;
  private volatile Predicate<String> inUse = id -> false;
  private final ImagePins pins = new ImagePins();

  private ImageStore(Path root, ImageOptions options) throws IOException {
    this.root = root;
    this.imagesDir = root.resolve("images");
    this.images = new ImageRecords(imagesDir.resolve("records"));
    this.content = new ContentStore(imagesDir);
    this.snapshots = new Snapshots(imagesDir);
    this.gc = new ImageGc(content, snapshots, leases);
    this.progress = new PullProgress(snapshots::has);
    this.writeBehind = new WriteBehind(imagesDir);
    this.puller =
        new Puller(
            new RegistryClient(options),
            content,
            snapshots,
            leases,
            options,
            progress,
            writeBehind);
  }

  /** Opens (creating if needed) the store under root; removes interrupted work and orphans. */
  public static ImageStore open(Path root, ImageOptions options) throws IOException {
    ImageStore store = new ImageStore(root, options);
    store.load();
    return store;
  }

  private synchronized void load() throws IOException {
    images.load(
        image -> image.chainIds().stream().allMatch(snapshots::has) && content.has(image.id()));
    ImageGc.deleteRetired(gc.retireGarbage(images.all()));
    LOG.info("event=image_store_opened root=" + imagesDir + " images=" + images.size());
  }

  /** Tells the store which image IDs containers use; RemoveImage refuses those. */
  public void setInUse(Predicate<String> inUse) {
    this.inUse = inUse;
  }

  /**
   * Registries, mirrors, auth file, platform and stall timeout for pulls that start from now on
   * (max_parallel_layers keeps its value from {@link #open}).
   */
  public void reconfigure(ImageOptions options) {
    puller.reconfigure(options);
  }

  /**
   * The references (tags or digest references, e.g. the pause image and the configured
   * images.pinned list) whose images RemoveImage refuses and List/Status report as pinned. May be
   * replaced at any time (config reload).
   */
  public void setPinned(Collection<String> references) {
    pins.set(references);
  }

  /** Bytes done and total per layer of the pulls in flight. */
  public List<PullProgress.Pull> pullsInFlight() {
    return progress.inFlight();
  }

  /** Who hears of each pull's start, layer bytes received and end (the daemon's metrics). */
  public void setPullListener(PullListener listener) {
    progress.setListener(listener);
  }

  /** Pulls reference (credentials may be {@link Credentials#NONE}) and returns the stored image. */
  public Image pull(String reference, Credentials auth) throws IOException, InterruptedException {
    Reference ref = Reference.parse(reference);
    long started = System.nanoTime();
    Image image;
    // opened before the pull writes anything: its syncfs reports every write error met during the
    // pull, also one a write-behind flush (or another process's syncfs) saw first
    try (FilesystemSync sync = FilesystemSync.open(imagesDir)) {
      image =
          puller.pull(
              ref,
              auth,
              p -> {
                // blobs and snapshots on disk before the record that vouches for them
                writeBehind.dropPending();
                NamedStep.PULL_IMAGE_SYNC.run(sync::sync);
                return NamedStep.PULL_IMAGE_RECORD.call(() -> record(ref, p));
              });
    }
    LOG.info(
        "event=image_pulled image="
            + ref
            + " id="
            + image.id()
            + " bytes="
            + image.size()
            + " seconds="
            + String.format("%.3f", (System.nanoTime() - started) / 1e9));
    return image;
  }

  private synchronized Image record(Reference ref, Puller.Pulled p) throws IOException {
    return images.recordPull(ref, p);
  }

  public synchronized List<Image> list() {
    return images.all().stream().map(pins::reported).toList();
  }

  /** By ID (full, or a unique hex prefix), by tag, or by digest reference; pinned as configured. */
  public synchronized Optional<Image> find(String referenceOrId) {
    return images.find(referenceOrId).map(pins::reported);
  }

  /**
   * CRI RemoveImage: by tag, only that tag goes while other tags remain; otherwise the image goes
   * and with it every blob and snapshot no other image uses or a pull holds. Unknown images are not
   * an error; an image a container uses or an {@link ImageLease} holds is {@link Reason#IN_USE},
   * and so is removing a pinned image or the pinned tag of one. The freed trees are deleted after
   * the store's lock is released.
   */
  public void remove(String referenceOrId) throws IOException {
    Image image;
    List<Path> retired;
    synchronized (this) {
      Optional<Image> found = images.find(referenceOrId);
      if (found.isEmpty()) {
        return;
      }
      image = found.get();
      String tag = tagNamed(referenceOrId);
      boolean untag = tag != null && image.repoTags().contains(tag) && image.repoTags().size() > 1;
      pins.refuseRemoval(referenceOrId, image, untag ? tag : null);
      if (untag) {
        List<String> tags = new ArrayList<>(image.repoTags());
        tags.remove(tag);
        images.save(image.withRefs(tags, image.repoDigests()));
        LOG.info("event=image_untagged id=" + image.id() + " tag=" + tag);
        return;
      }
      if (inUse.test(image.id()) || leases.isLeased(imageLeaseKey(image.id()))) {
        throw new ImageException(
            Reason.IN_USE,
            "image " + referenceOrId + " (" + image.id() + ") is used by a container");
      }
      images.delete(image.id());
      retired = gc.retireGarbage(images.all());
    }
    ImageGc.deleteRetired(retired);
    LOG.info("event=image_removed id=" + image.id() + " tags=" + image.repoTags());
  }

  /**
   * Holds the image (by ID, tag or digest, as {@link #find}) and its snapshots until the lease is
   * closed; empty when there is no such image.
   */
  public synchronized Optional<ImageLease> lease(String referenceOrId) {
    Optional<Image> found = find(referenceOrId);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Image image = found.get();
    List<String> keys = new ArrayList<>(image.chainIds());
    keys.add(imageLeaseKey(image.id()));
    leases.acquire(keys);
    return Optional.of(new ImageLease(image, lowerDirs(image.id()), () -> leases.release(keys)));
  }

  /** Kept apart from the config blob's own key, which a pull of the same image holds. */
  private static String imageLeaseKey(String imageId) {
    return "image:" + imageId;
  }

  private static String tagNamed(String text) {
    try {
      Reference ref = Reference.parse(text);
      return ref.digest() == null ? ref.tagged() : null;
    } catch (ImageException e) {
      return null;
    }
  }

  /** Overlay lower dirs of an image, top-most layer first. */
  public synchronized List<Path> lowerDirs(String imageId) {
    Image image = images.get(imageId);
    if (image == null) {
      throw new ImageException(Reason.NOT_FOUND, "image " + imageId + " not found");
    }
    return image.chainIds().reversed().stream().map(snapshots::path).toList();
  }

  /** ImageStatus verbose info: the config and the layers with their snapshot dirs, as JSON. */
  public String inspect(Image image) throws IOException {
    return ImageInspection.json(image, snapshots, content);
  }

  /** Bytes and inodes used by the image store (blobs, snapshots, records). */
  public FsUsage imageFsUsage() throws IOException {
    return FsUsage.of(imagesDir);
  }

  public Path root() {
    return root;
  }

  /**
   * The node-local pause image: a single layer holding staticBinary as /pause, entrypoint {@code
   * ["/pause","-P"]}, user 65535, stored under name and pinned. The same binary always makes the
   * same image, so this is a no-op after the first start.
   */
  public Image ensurePauseImage(String name, Path staticBinary) throws IOException {
    Reference ref = Reference.parse(name);
    Path builtFrom = imagesDir.resolve("pause-built-from");
    String known = PauseImage.recordedConfigDigest(builtFrom, staticBinary);
    synchronized (this) {
      Image existing = known == null ? null : images.get(known);
      if (existing != null && existing.repoTags().contains(ref.tagged()) && existing.pinned()) {
        return existing;
      }
    }
    PauseImage pause = PauseImage.build(staticBinary);
    synchronized (this) {
      Image existing = images.get(pause.configDigest());
      if (existing != null && existing.repoTags().contains(ref.tagged()) && existing.pinned()) {
        pause.record(builtFrom, staticBinary);
        return existing;
      }
    }
    List<String> chain = Snapshots.chainIds(List.of(pause.layerDigest()));
    List<String> held =
        List.of(
            pause.configDigest(), pause.layerDigest(), pause.manifestDigest(), chain.getFirst());
    leases.acquire(held);
    try (FilesystemSync sync = FilesystemSync.open(imagesDir)) {
      pause.writeTo(content, snapshots, chain.getFirst());
      sync.sync();
      synchronized (this) {
        Image image = images.recordPause(ref, pause, chain);
        pause.record(builtFrom, staticBinary);
        LOG.info("event=pause_image_ready name=" + ref.tagged() + " id=" + image.id());
        return image;
      }
    } finally {
      leases.release(held);
    }
  }
}
