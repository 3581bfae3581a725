package io.jcri.images;

import io.jcri.images.ImageException.Reason;
import io.jcri.images.reference.Reference;
import io.jcri.images.registry.Digests;
import io.jcri.images.registry.Manifests;
import io.jcri.images.registry.RegistryClient;
import io.jcri.images.registry.StallGuard;
import io.jcri.images.store.ContentStore;
import io.jcri.images.store.Snapshots;
import io.jcri.images.store.WriteBehind;
import io.jcri.images.unpack.LayerUnpacker;
import io.jcri.sys.NamedStep;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * One layer into its snapshot: unpacked from the local blob when the store has it, otherwise
 * streamed from the registry into the unpacker while the blob is hashed and kept; digest, size and
 * diff ID are checked before the snapshot counts. At most the configured number at once. Every
 * {@value #WRITE_BEHIND_BYTES} bytes fetched and at the end of each layer, the disk writes of what
 * is done so far are started ({@link WriteBehind}), so the pull's closing syncfs has little left.
 */
final class LayerFetcher {
  private static final Logger LOG = Logger.getLogger(LayerFetcher.class.getName());
  static final long WRITE_BEHIND_BYTES = 4L << 20;

  private final ContentStore content;
  private final Snapshots snapshots;
  private final Semaphore layerSlots;
  private final PullProgress progress;
  private final WriteBehind writeBehind;

  LayerFetcher(
      ContentStore content,
      Snapshots snapshots,
      int maxParallelLayers,
      PullProgress progress,
      WriteBehind writeBehind) {
    this.progress = progress;
    this.writeBehind = writeBehind;
    this.content = content;
    this.snapshots = snapshots;
    this.layerSlots = new Semaphore(maxParallelLayers);
  }

  /**
   * Fills snapshot chainId from the layer (through client, the pull's; registry bytes count for the
   * pull's tracker), waiting for a free slot first; failures are {@link ImageException}s.
   */
  void fetch(
      RegistryClient client,
      PullProgress.Tracker tracker,
      Reference ref,
      Credentials auth,
      Manifests.Descriptor layer,
      String diffId,
      String chainId) {
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
          NamedStep.PULL_IMAGE_LAYER_UNPACK.run(
              () ->
                  snapshots.create(
                      chainId, dir -> checkDiffId(LayerUnpacker.unpack(in, dir), diffId, layer)));
        }
      } else {
        RegistryClient.Fetched<InputStream> blob = client.blob(ref, layer.digest(), auth);
        source = blob.endpoint().base().toString();
        streamIntoSnapshot(tracker, blob.value(), layer, diffId, chainId);
      }
      writeBehind.request();
      double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
      LOG.info(
          "event=layer_pulled image="
              + ref
              + " digest="
              + layer.digest()
              + " bytes="
              + layer.size()
              + " seconds="
              + String.format("%.3f", seconds)
              + " rate_mib_s="
              + String.format("%.1f", layer.size() / seconds / (1 << 20))
              + " source="
              + source);
    } catch (StallGuard.Stalled e) {
      throw Puller.stalled(ref, layer.digest(), e);
    } catch (IOException e) {
      throw new ImageException(
          Reason.STORAGE, "layer " + layer.digest() + " of " + ref + ": " + e.getMessage(), e);
    } finally {
      layerSlots.release();
    }
  }

  /** Registry bytes go to the blob file and, at the same time, into the unpacker. */
  private void streamIntoSnapshot(
      PullProgress.Tracker tracker,
      InputStream body,
      Manifests.Descriptor layer,
      String diffId,
      String chainId)
      throws IOException {
    Path temp = content.newTemp();
    try (InputStream in = progress.counting(tracker, layer.digest(), body);
        OutputStream blobFile = content.create(temp)) {
      MessageDigest sha = Digests.newSha256();
      Tee tee = new Tee(in, blobFile, sha, layer, writeBehind);
      try {
        NamedStep.PULL_IMAGE_LAYER_UNPACK.run(
            () ->
                snapshots.create(
                    chainId,
                    dir -> {
                      checkDiffId(LayerUnpacker.unpack(tee, dir), diffId, layer);
                      tee.transferTo(
                          OutputStream
                              .nullOutputStream()); // trailing bytes after the tar still count
                      ContentStore.verify(sha, layer.digest(), layer.size(), tee.total);
                    }));
      } catch (StallGuard.Stalled e) {
        throw e;
      } catch (IOException e) {
        throw blame(e, tee, sha, layer);
      }
      blobFile.close();
      NamedStep.PULL_IMAGE_BLOB_COMMIT.run(() -> content.commit(temp, layer.digest()));
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * A layer that fails to decompress or untar is the registry's fault when its bytes are not the
   * blob they claim to be; only then is the error reported as REGISTRY rather than as local.
   */
  private static IOException blame(
      IOException e, Tee tee, MessageDigest sha, Manifests.Descriptor layer) {
    try {
      tee.transferTo(OutputStream.nullOutputStream());
    } catch (ImageException | IOException ignored) {
      // the stream itself is broken: the checks below say how
    }
    if (tee.total != layer.size()) {
      throw new ImageException(
          Reason.REGISTRY,
          "blob "
              + layer.digest()
              + " is truncated: "
              + tee.total
              + " of "
              + layer.size()
              + " bytes ("
              + e.getMessage()
              + ")");
    }
    String actual = Digests.format(sha.digest());
    if (!actual.equals(layer.digest())) {
      throw new ImageException(
          Reason.REGISTRY, "blob " + layer.digest() + " arrived with digest " + actual);
    }
    return e;
  }

  private static void checkDiffId(
      LayerUnpacker.Result result, String diffId, Manifests.Descriptor layer) {
    if (!result.diffId().equals(diffId)) {
      throw new ImageException(
          Reason.REGISTRY,
          "layer "
              + layer.digest()
              + " unpacks to "
              + result.diffId()
              + " but the config says "
              + diffId);
    }
  }

  /**
   * Copies what is read into the blob file and the digest, refuses more bytes than declared, and
   * asks for the disk writes to start every {@link #WRITE_BEHIND_BYTES}.
   */
  private static final class Tee extends FilterInputStream {
    private final OutputStream copy;
    private final MessageDigest sha;
    private final Manifests.Descriptor layer;
    private final WriteBehind writeBehind;
    private long nextWriteBehind = WRITE_BEHIND_BYTES;
    long total;

    Tee(
        InputStream in,
        OutputStream copy,
        MessageDigest sha,
        Manifests.Descriptor layer,
        WriteBehind writeBehind) {
      super(in);
      this.copy = copy;
      this.sha = sha;
      this.layer = layer;
      this.writeBehind = writeBehind;
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
          throw new ImageException(
              Reason.REGISTRY,
              "blob " + layer.digest() + " is longer than its declared " + layer.size() + " bytes");
        }
        sha.update(b, off, n);
        copy.write(b, off, n);
        if (total >= nextWriteBehind) {
          nextWriteBehind = total + WRITE_BEHIND_BYTES;
          writeBehind.request();
        }
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
