package io.jcri.images;

import io.jcri.images.store.ContentStore;
import io.jcri.images.store.Leases;
import io.jcri.images.store.Snapshots;
import io.jcri.sys.Trees;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Garbage collection of the store: blobs and snapshots that no image record references and no lease
 * holds are retired (a rename each, under the store's lock), then deleted outside it.
 */
final class ImageGc {
  private static final Logger LOG = Logger.getLogger(ImageGc.class.getName());

  private final ContentStore content;
  private final Snapshots snapshots;
  private final Leases leases;

  ImageGc(ContentStore content, Snapshots snapshots, Leases leases) {
    this.content = content;
    this.snapshots = snapshots;
    this.leases = leases;
  }

  /**
   * Moves blobs and snapshots that none of images references and no lease holds out of sight;
   * {@link #deleteRetired} deletes them outside the store's lock.
   */
  List<Path> retireGarbage(Collection<Image> images) throws IOException {
    Set<String> blobs = content.list();
    Set<String> chains = snapshots.list();
    for (Image i : images) {
      blobs.remove(i.id());
      i.layerDigests().forEach(blobs::remove);
      i.manifestDigests().forEach(blobs::remove);
      i.chainIds().forEach(chains::remove);
    }
    List<Path> retired = new ArrayList<>(leases.retireUnleased(chains, snapshots::retire));
    retired.addAll(leases.retireUnleased(blobs, content::retire));
    return retired;
  }

  static void deleteRetired(List<Path> retired) throws IOException {
    for (Path p : retired) {
      Trees.delete(p);
    }
    if (!retired.isEmpty()) {
      LOG.info("event=image_gc freed=" + retired.size());
    }
  }
}
