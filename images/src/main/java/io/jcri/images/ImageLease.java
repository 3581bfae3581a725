package io.jcri.images;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A hold on one image, from lookup until closed: RemoveImage answers {@link
 * ImageException.Reason#IN_USE} and garbage collection keeps its snapshots, so a container's
 * overlay can be mounted from them.
 */
public final class ImageLease implements AutoCloseable {
  private final Image image;
  private final List<Path> lowerDirs;
  private final Runnable release;
  private final AtomicBoolean closed = new AtomicBoolean();

  ImageLease(Image image, List<Path> lowerDirs, Runnable release) {
    this.image = image;
    this.lowerDirs = List.copyOf(lowerDirs);
    this.release = release;
  }

  public Image image() {
    return image;
  }

  /** Overlay lower dirs of the image, top-most layer first. */
  public List<Path> lowerDirs() {
    return lowerDirs;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      release.run();
    }
  }
}
