package io.jcri.images;

import io.jcri.sys.Timestamps;
import io.jcri.sys.Trees;
import java.io.IOException;
import java.nio.file.Path;

/** Bytes and inodes used under a directory (not the whole filesystem), for ImageFsInfo. */
public record FsUsage(Path mountpoint, long usedBytes, long inodesUsed, long timestampNanos) {
  /** Usage of dir now, e.g. the image store or the containers' writable layers. */
  public static FsUsage of(Path dir) throws IOException {
    Trees.Usage u = Trees.usage(dir);
    return new FsUsage(dir, u.bytes(), u.inodes(), Timestamps.nowNanos());
  }
}
